//go:build tools

// Package tools pins syft (the SBOM scanner), which scripts/go-tools.mjs builds, so `go mod tidy` keeps its
// dependencies. It has its own module so that a syft pin does not change the buildx/buildkit module's hash.
package tools

import (
	_ "github.com/anchore/syft/cmd/syft"
)
