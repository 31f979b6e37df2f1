export const id = 283;
export const ids = [283];
export const modules = {

/***/ 2283:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   signStatement: () => (/* binding */ signStatement)
/* harmony export */ });
/* harmony import */ var _sigstore_bundle__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1040);
/* harmony import */ var _sigstore_sign__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(5179);
/* harmony import */ var _statement_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(702);
/**
 * Keyless Sigstore signing of an in-toto statement into a DSSE Sigstore bundle v0.3. Loaded only when a
 * run signs (a dynamic import): @sigstore/sign and its HTTP stack are most of the bundle's start-up cost.
 */



/** The statement signed as a DSSE envelope; the bundle as its JSON (v0.3: one certificate, no chain). */
async function signStatement(statement, options) {
    options.signal?.throwIfAborted();
    const timeout = options.timeoutMs ?? 30_000;
    const retry = options.retries ?? 3;
    const signer = new _sigstore_sign__WEBPACK_IMPORTED_MODULE_1__/* .FulcioSigner */ .$o({
        identityProvider: { getToken: () => Promise.resolve(options.idToken) },
        fulcioBaseURL: options.endpoints.fulcioUrl,
        timeout,
        retry
    });
    const witnesses = [];
    if (options.endpoints.rekorUrl) {
        witnesses.push(new _sigstore_sign__WEBPACK_IMPORTED_MODULE_1__/* .RekorWitness */ .fU({ rekorBaseURL: options.endpoints.rekorUrl, fetchOnConflict: true, timeout, retry }));
    }
    if (options.endpoints.tsaUrl) {
        witnesses.push(new _sigstore_sign__WEBPACK_IMPORTED_MODULE_1__/* .TSAWitness */ .gs({ tsaBaseURL: options.endpoints.tsaUrl, timeout, retry }));
    }
    const builder = new _sigstore_sign__WEBPACK_IMPORTED_MODULE_1__/* .DSSEBundleBuilder */ .VV({ signer, witnesses });
    const bundle = await unlessAborted(builder.create({ data: Buffer.from(JSON.stringify(statement)), type: _statement_js__WEBPACK_IMPORTED_MODULE_2__/* .IN_TOTO_MEDIA_TYPE */ .xy }), options.signal);
    return (0,_sigstore_bundle__WEBPACK_IMPORTED_MODULE_0__.bundleToJSON)(bundle);
}
/**
 * `work`, or the signal's reason as soon as it fires. @sigstore/sign 4 takes no AbortSignal (its
 * signers and witnesses accept only `timeout` and `retry`; make-fetch-happen is called without one),
 * so the Fulcio, Rekor and TSA requests are raced, not aborted: they are abandoned and end at their own
 * timeout, but the step no longer waits for them.
 */
function unlessAborted(work, signal) {
    if (!signal)
        return work;
    return new Promise((resolve, reject) => {
        const stop = () => reject(signal.reason);
        if (signal.aborted)
            stop();
        signal.addEventListener('abort', stop, { once: true });
        work.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
    });
}


/***/ })

};
