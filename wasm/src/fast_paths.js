// Appended inside the factory (--post-js). Builds the public streaming methods of Resampler and
// StreamFrontEnd on top of their integer-only Embind methods (heap offsets + counts), copying with
// HEAPF32.set / HEAPF32.slice. Why: in Embind 3.1.6 every emval operation (typeof, property get,
// method call) costs hundreds of ns; doing the array work here makes a 128-sample call cost about
// as much as one plain Embind call.
// Contract kept: inputs are Float32Array (or array-likes of numbers), outputs are fresh
// Float32Array copies; every failure is a JS Error with a message.
addOnPostRun(function () {
  function checkSamples(x, what) {
    if (x instanceof Float32Array) return x;
    if (Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView))) return x;
    throw new Error(what + ': expected a Float32Array of samples');
  }
  // Copy in. The staging buffer's offset and capacity are cached on the JS handle so the steady
  // state is a single Embind call per chunk; _reserveInput (which may grow memory and so replace
  // HEAPF32) only runs when a larger chunk arrives. HEAPF32 is always read afresh.
  function reserve(self, n) {
    if (self.$cs_cap === undefined || n > self.$cs_cap) {
      self.$cs_ptr = self._reserveInput(n);
      self.$cs_cap = self._inputCapacity();
    }
    return self.$cs_ptr;
  }
  function stage(self, x, what) {
    checkSamples(x, what);
    var ptr = reserve(self, x.length);
    if (x.length) HEAPF32.set(x, ptr >> 2);
    return x.length;
  }
  // A sample count from the caller (the C++ side also checks it against the staged capacity).
  function requireCount(n, what) {
    if (typeof n !== 'number' || !(n >= 0) || Math.floor(n) !== n) throw new Error(what + ': n must be a count of samples');
    return n;
  }
  function view(self, n, what) {
    var ptr = reserve(self, requireCount(n, what));
    return new Float32Array(HEAPF32.buffer, ptr, n);
  }
  function copyOut(ptr, count) {
    var start = ptr >> 2;
    return HEAPF32.slice(start, start + count);
  }

  var R = Module['Resampler'].prototype;
  R['process'] = function (chunk) {
    var n = stage(this, chunk, 'Resampler.process');
    var count = this._processStaged(n);
    return copyOut(this._outputPtr(), count);
  };
  // Zero-copy input: a VIEW on the heap staging buffer. Valid until the next call into the
  // module (memory growth detaches it) — fetch it right before filling it.
  R['inputBuffer'] = function (n) { return view(this, n, 'Resampler.inputBuffer'); };
  R['processInput'] = function (n) {
    var count = this._processStaged(requireCount(n, 'Resampler.processInput'));
    return copyOut(this._outputPtr(), count);
  };
  R['flush'] = function () {
    var count = this._flushStaged();
    return copyOut(this._outputPtr(), count);
  };

  var S = Module['StreamFrontEnd'].prototype;
  S['push'] = function (chunk) {
    var n = stage(this, chunk, 'StreamFrontEnd.push');
    return this._pushStaged(n);
  };
  S['inputBuffer'] = function (n) { return view(this, n, 'StreamFrontEnd.inputBuffer'); };
  S['pushInput'] = function (n) {
    return this._pushStaged(requireCount(n, 'StreamFrontEnd.pushInput'));
  };
  S['pop'] = function () {
    if (!this._popStaged()) return null;
    return {
      model: this._windowModel(),
      start: this._windowStart(),
      end: this._windowEnd(),
      data: copyOut(this._windowDataPtr(), this._windowDataLength()),
    };
  };
});
