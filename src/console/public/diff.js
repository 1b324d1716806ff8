// A tiny line-and-word diff for the memory history view (no dependency): the longest common subsequence
// of lines, and within each changed line pair, of words. Memory values are a few KB at most, so the
// quadratic table is small; beyond DIFF_MAX_CELLS it falls back to "all removed, all added".
'use strict';

(function (root) {
  const DIFF_MAX_CELLS = 2000000;

  /** Edit script turning `a` into `b`: [{op: 'eq'|'del'|'ins', value}], in order. */
  function diffSequences(a, b) {
    let start = 0;
    while (start < a.length && start < b.length && a[start] === b[start]) start++;
    let endA = a.length;
    let endB = b.length;
    while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
      endA--;
      endB--;
    }
    const head = a.slice(0, start).map((value) => ({ op: 'eq', value }));
    const tail = a.slice(endA).map((value) => ({ op: 'eq', value }));
    const midA = a.slice(start, endA);
    const midB = b.slice(start, endB);
    const n = midA.length;
    const m = midB.length;
    if (n * m > DIFF_MAX_CELLS) {
      return head.concat(
        midA.map((value) => ({ op: 'del', value })),
        midB.map((value) => ({ op: 'ins', value })),
        tail,
      );
    }
    // lengths[i][j]: LCS length of midA[i..] and midB[j..], flattened.
    const lengths = new Uint32Array((n + 1) * (m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lengths[i * (m + 1) + j] =
          midA[i] === midB[j] ? lengths[(i + 1) * (m + 1) + j + 1] + 1 : Math.max(lengths[(i + 1) * (m + 1) + j], lengths[i * (m + 1) + j + 1]);
      }
    }
    const mid = [];
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (midA[i] === midB[j]) {
        mid.push({ op: 'eq', value: midA[i] });
        i++;
        j++;
      } else if (lengths[(i + 1) * (m + 1) + j] >= lengths[i * (m + 1) + j + 1]) {
        mid.push({ op: 'del', value: midA[i++] });
      } else {
        mid.push({ op: 'ins', value: midB[j++] });
      }
    }
    while (i < n) mid.push({ op: 'del', value: midA[i++] });
    while (j < m) mid.push({ op: 'ins', value: midB[j++] });
    return head.concat(mid, tail);
  }

  /** Words, runs of spaces and single punctuation marks, so a changed word is highlighted alone. */
  function tokens(line) {
    return line.match(/\s+|[\p{L}\p{N}_'’-]+|[^\s\p{L}\p{N}_'’-]/gu) || [];
  }

  /**
   * Lines of `after` against `before`: [{op, text, parts?}]. A run of removed lines directly followed by
   * as many added lines is paired up, and each pair carries word-level `parts` ([{op, value}]).
   */
  function diffLines(before, after) {
    const a = before === '' ? [] : before.split('\n');
    const b = after === '' ? [] : after.split('\n');
    const ops = diffSequences(a, b);
    const rows = [];
    for (let k = 0; k < ops.length;) {
      if (ops[k].op !== 'del') {
        rows.push({ op: ops[k].op, text: ops[k].value });
        k++;
        continue;
      }
      const dels = [];
      while (k < ops.length && ops[k].op === 'del') dels.push(ops[k++].value);
      const ins = [];
      while (k < ops.length && ops[k].op === 'ins') ins.push(ops[k++].value);
      const paired = dels.length === ins.length;
      dels.forEach((text, index) => {
        const parts = paired ? diffSequences(tokens(text), tokens(ins[index])).filter((p) => p.op !== 'ins') : undefined;
        rows.push({ op: 'del', text, parts });
      });
      ins.forEach((text, index) => {
        const parts = paired ? diffSequences(tokens(dels[index]), tokens(text)).filter((p) => p.op !== 'del') : undefined;
        rows.push({ op: 'ins', text, parts });
      });
    }
    return rows;
  }

  root.ConsoleDiff = { diffSequences, diffLines, tokens };
})(window);
