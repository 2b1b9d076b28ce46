// In-browser check of a record's inclusion in the verifiable log (核验), docs/ledger.md.
//
// A page marks a block with data-ledger-verify and these attributes: data-log (the log's name),
// data-public-key (the log's published Ed25519 key, hex), data-proofs-url (the caller's own proofs:
// {log, algorithm, size, root, items: [{index, entry, leaf_hash, proof}]}, taking ?size=). Inside it,
// each button data-verify-index="I" (optional data-expect: a JSON object of fields the entry must
// hold, e.g. the payment's reference) checks one record, writing the answer into the element named by
// its aria-controls. The check does not trust the server's own verdict:
//   1. fetch the latest signed tree head (/api/v1/ledger/{log}/head) and verify its Ed25519 signature
//      over the canonical bytes with the published key (WebCrypto);
//   2. fetch the proofs at exactly that head's size; recompute the leaf hash H(0x00 ‖ entry) from the
//      entry's bytes (SHA-256 by WebCrypto, SM3 by the vendored sm-crypto) and check the entry holds
//      the record shown on the page;
//   3. fold the audit path to a root (RFC 9162 §2.1.3.2) and compare it with the signed root.
// No inline script, no eval (CSP). The outcome is also left on the button's block as
// data-verify-result ("ok" or the failure's kind) for tests.
(function () {
  'use strict';

  var MESSAGES = {
    signature: '核验未通过：签名无效。平台公布的日志树头与公开的签名公钥不符，树头可能被篡改。',
    content: '核验未通过：记录内容与日志不符。',
    proof: '核验未通过：证明无法推出已签名的根。该记录不能证明已写入公开日志。',
    fetch: '暂时无法核验：未能取得公开日志的数据，请稍后再试。',
    browser: '暂时无法核验：您的浏览器不支持所需的密码算法，请使用新版浏览器。',
  };

  function fromHex(s) {
    if (typeof s !== 'string' || !/^([0-9a-f]{2})*$/.test(s)) throw new Error('not hex');
    var out = new Uint8Array(s.length / 2);
    for (var i = 0; i < out.length; i += 1) out[i] = parseInt(s.substr(i * 2, 2), 16);
    return out;
  }

  function toHex(b) {
    var s = '';
    for (var i = 0; i < b.length; i += 1) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
    return s;
  }

  function concat(parts) {
    var n = 0;
    parts.forEach(function (p) { n += p.length; });
    var out = new Uint8Array(n);
    var at = 0;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }

  function hash(algorithm, bytes) {
    if (algorithm === 'sha256') {
      return crypto.subtle.digest('SHA-256', bytes).then(function (d) { return new Uint8Array(d); });
    }
    if (algorithm === 'sm3') return Promise.resolve(fromHex(window.sm3(Array.from(bytes))));
    return Promise.reject(new Error('unknown algorithm'));
  }

  function leafHash(algorithm, data) {
    return hash(algorithm, concat([new Uint8Array([0]), data]));
  }

  function nodeHash(algorithm, left, right) {
    return hash(algorithm, concat([new Uint8Array([1]), left, right]));
  }

  // RFC 9162 §2.1.3.2: the root an audit path leads to, or null when the path cannot be right for
  // (index, size). Numbers, not 32-bit bit operations: sizes may exceed 2^31.
  function rootFromPath(algorithm, index, size, leaf, path) {
    if (!(index >= 0 && index < size)) return Promise.resolve(null);
    var fn = index;
    var sn = size - 1;
    var r = Promise.resolve(leaf);
    for (var i = 0; i < path.length; i += 1) {
      if (sn === 0) return Promise.resolve(null);
      var p = path[i];
      if (fn % 2 === 1 || fn === sn) {
        r = r.then(nodeHash.bind(null, algorithm, p));
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        r = r.then(function (q, x) { return nodeHash(algorithm, x, q); }.bind(null, p));
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : Promise.resolve(null);
  }

  function headBytes(h) {
    // the canonical bytes the log signs: compact JSON, keys sorted (docs/ledger.md)
    return new TextEncoder().encode(JSON.stringify({
      algorithm: h.algorithm, log: h.log, root: h.root, size: h.size, timestamp: h.timestamp,
    }));
  }

  function Failure(kind) { this.kind = kind; }

  function getJson(url) {
    return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .catch(function () { throw new Failure('fetch'); })
      .then(function (r) {
        if (!r.ok) throw new Failure('fetch');
        return r.json();
      });
  }

  function verifyHead(head, log, publicKey) {
    if (!head || head.log !== log || head.signature_algorithm !== 'ed25519') {
      return Promise.reject(new Failure('signature'));
    }
    var key;
    var sig;
    try {
      key = fromHex(publicKey);
      sig = fromHex(head.signature);
    } catch (e) {
      return Promise.reject(new Failure('signature'));
    }
    if (!window.crypto || !crypto.subtle) return Promise.reject(new Failure('browser'));
    return crypto.subtle.importKey('raw', key, { name: 'Ed25519' }, false, ['verify'])
      .catch(function () { throw new Failure('browser'); })
      .then(function (k) { return crypto.subtle.verify({ name: 'Ed25519' }, k, sig, headBytes(head)); })
      .then(function (ok) { if (!ok) throw new Failure('signature'); });
  }

  function holds(entryText, expect) {
    if (!expect) return true;
    var data;
    try { data = JSON.parse(entryText); } catch (e) { return false; }
    return Object.keys(expect).every(function (k) { return data && data[k] === expect[k]; });
  }

  function check(block, index, expect) {
    var log = block.dataset.log;
    var head;
    return getJson('/api/v1/ledger/' + encodeURIComponent(log) + '/head')
      .then(function (h) {
        head = h;
        return verifyHead(head, log, block.dataset.publicKey);
      })
      .then(function () {
        var url = block.dataset.proofsUrl;
        return getJson(url + (url.indexOf('?') < 0 ? '?' : '&') + 'size=' + encodeURIComponent(head.size));
      })
      .then(function (proofs) {
        var item = (proofs.items || []).filter(function (it) { return it.index === index; })[0];
        if (!item || proofs.size !== head.size || proofs.log !== log) throw new Failure('proof');
        var data = new TextEncoder().encode(item.entry);
        return leafHash(head.algorithm, data).then(function (leaf) {
          if (toHex(leaf) !== item.leaf_hash || !holds(item.entry, expect)) throw new Failure('content');
          var path;
          try { path = item.proof.map(fromHex); } catch (e) { throw new Failure('proof'); }
          return rootFromPath(head.algorithm, index, head.size, leaf, path);
        });
      })
      .then(function (root) {
        if (root === null || toHex(root) !== head.root) throw new Failure('proof');
        return head;
      });
  }

  function run(button) {
    var block = button.closest('[data-ledger-verify]');
    var out = document.getElementById(button.getAttribute('aria-controls'));
    var index = Number(button.dataset.verifyIndex);
    var expect = button.dataset.expect ? JSON.parse(button.dataset.expect) : null;
    button.disabled = true;
    out.className = 'verify-result';
    out.textContent = '正在核验…';
    check(block, index, expect).then(function (head) {
      out.className = 'verify-result ok';
      out.textContent = '已核验：该记录已写入公开日志（第 ' + (index + 1) + ' 条，日志共 ' + head.size +
        ' 条，树头签名有效）';
      out.dataset.verifyResult = 'ok';
    }, function (e) {
      var kind = e instanceof Failure ? e.kind : 'browser';
      out.className = 'verify-result bad';
      out.textContent = MESSAGES[kind];
      out.dataset.verifyResult = kind;
    }).then(function () { button.disabled = false; });
  }

  document.addEventListener('click', function (ev) {
    var button = ev.target.closest && ev.target.closest('[data-ledger-verify] button[data-verify-index]');
    if (button) run(button);
  });
  // the pure parts, for the browser test to run on the RFC 6962 reference vectors (both algorithms)
  window.anjuLedger = { leafHash: leafHash, rootFromPath: rootFromPath, fromHex: fromHex, toHex: toHex };
  document.body.dataset.ledgerVerifyReady = '1';
}());
