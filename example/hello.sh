#!/bin/sh
echo "Hello from publish-image ($(uname -m))"
