#!/usr/bin/env python3
"""Probes the built command line the way issue 13 did: as a new, a careless and a hostile user.

Each case runs ./adamerge in a fresh work folder holding writable copies of the reference fixture, then measures:
exit code, whether a bad input got one clear error line ("adamerge <cmd>: error: ..." naming the culprit), temporary
files left behind, and whether every input kept its bytes. Prints a summary (and --json writes every case).
Usage: scripts/probe-cli.sh [--quick] [--json FILE]
"""
import hashlib, json, os, shutil, signal, struct, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REF = os.path.normpath(os.path.join(ROOT, "..", "shared", "reference"))
CLI = os.path.join(ROOT, "adamerge")
FIXTURE = ["merge_pre.safetensors", "merge_ft_0.safetensors", "merge_ft_1.safetensors", "ada_head_0.safetensors",
           "ada_head_1.safetensors", "ada_images_0.safetensors", "ada_images_1.safetensors", "vit_config.json",
           "vit_io.safetensors", "ada_lambda_init.safetensors"]


def st_file(path, tensors, metadata=None, raw_header=None, extra=b""):
    """Writes a safetensors file: tensors = [(name, dtype, shape, bytes)]."""
    if raw_header is None:
        h, off = {}, 0
        if metadata:
            h["__metadata__"] = metadata
        for name, dtype, shape, data in tensors:
            h[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(data)]}
            off += len(data)
        raw_header = json.dumps(h).encode()
    body = b"".join(t[3] for t in tensors) + extra
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw_header)) + raw_header + body)


def read_st(path):
    with open(path, "rb") as f:
        b = f.read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n])
    meta = h.pop("__metadata__", None)
    data = b[8 + n:]
    out = []
    for name, e in sorted(h.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        s, t = e["data_offsets"]
        out.append([name, e["dtype"], e["shape"], bytearray(data[s:t])])
    return out, meta


def with_value(src, dst, tensor, element, value):
    ts, meta = read_st(src)
    for t in ts:
        if t[0] == tensor:
            struct.pack_into("<f", t[3], 4 * element, value)
    st_file(dst, [(a, b, c, bytes(d)) for a, b, c, d in ts], meta)


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def snapshot(d):
    out = {}
    for base, dirs, files in os.walk(d):
        for f in files:
            p = os.path.join(base, f)
            if not os.path.islink(p):
                out[os.path.relpath(p, d)] = sha(p)
    return out


def hidden(d):
    return sorted(os.path.relpath(os.path.join(b, f), d) for b, ds, fs in os.walk(d) for f in fs + ds if f.startswith("."))


class Case:
    def __init__(self, name, args, bad, setup=None, outputs=(), kill=None, concurrent=False):
        """outputs: existing paths the case means to replace (not inputs); kill: a signal sent mid-write."""
        self.name, self.args, self.bad, self.setup, self.outputs = name, args, bad, setup, set(outputs)
        self.kill, self.concurrent = kill, concurrent


def cases(quick):
    P, F0, F1 = "merge_pre.safetensors", "merge_ft_0.safetensors", "merge_ft_1.safetensors"
    H0, H1, D0, D1, CFG = "ada_head_0.safetensors", "ada_head_1.safetensors", "ada_images_0.safetensors", "ada_images_1.safetensors", "vit_config.json"
    ta = ["merge", "--no-progress", "--method", "task_arithmetic", "--base", P, "--models", F0, F1]
    fisher = lambda h1=H1, d1=D1, out="o.safetensors": ["merge", "--no-progress", "--method", "fisher", "--models", F0, F1, "--heads", H0, h1, "--data", D0, d1, "--vision-config", CFG, "--samples", "2", "--out", out]
    regmean = lambda d1=D1: ["merge", "--no-progress", "--method", "regmean", "--models", F0, F1, "--data", D0, d1, "--vision-config", CFG, "--samples", "2", "--out", "o.safetensors"]
    ada = lambda h1=H1, d1=D1, out="o.safetensors", extra=(): ["adamerging", "--base", P, "--models", F0, F1, "--heads", H0, h1, "--data", D0, d1, "--config", CFG, "--granularity", "task", "--steps", "1", "--out", out, *extra]
    embed = lambda inp="vit_io.safetensors", out="e.safetensors", extra=(): ["embed", "--model", F0, "--config", CFG, "--input", inp, "--out", out, *extra]
    c = []
    # --- good runs (must exit 0, write only their outputs)
    c += [Case("good merge file", ta + ["--out", "m.safetensors"], False),
          Case("good merge dir", ta + ["--out", "m"], False),
          Case("good ties yaml", ["merge", "--no-progress", "ties.yml", "m.safetensors"], False,
               setup=lambda: open("ties.yml", "w").write(f"merge_method: ties\nbase_model: {P}\nmodels:\n  - {F0}\n  - {F1}\nparameters: {{density: 0.5}}\n")),
          Case("good yaml alias", ["merge", "--no-progress", "alias.yml", "m.safetensors"], False,
               setup=lambda: open("alias.yml", "w").write(f"merge_method: task_arithmetic\nbase_model: {P}\nmodels:\n  - {{model: {F0}, parameters: {{lambda: &l 0.3}}}}\n  - {{model: {F1}, parameters: {{lambda: *l}}}}\n")),
          Case("good inspect", ["inspect", P], False),
          Case("good distance", ["distance", "--base", P, F0, F1], False),
          Case("good fisher", fisher(), False),
          Case("good regmean", regmean(), False),
          Case("good adamerging", ada(), False),
          Case("good embed", embed(), False),
          Case("good --force over own output", ta + ["--out", "m.safetensors", "--force"], False, setup=lambda: open("m.safetensors", "w").write("old"), outputs=["m.safetensors"]),
          Case("good --force over a non-input file", ta + ["--out", "vit_config.json", "--force"], False, outputs=["vit_config.json"]),
          ]
    # --- malformed safetensors
    good = read_st(os.path.join(REF, F1))
    def trunc(n):
        def s():
            b = open(F1, "rb").read()
            open("bad.safetensors", "wb").write(b[:n])
        return s
    def header(raw, extra=b""):
        return lambda: st_file("bad.safetensors", [], raw_header=raw, extra=extra)
    mal = [("truncated to 4 bytes", trunc(4)), ("truncated header", trunc(40)), ("truncated data", trunc(300000)),
           ("empty file", trunc(0)), ("header length huge", lambda: open("bad.safetensors", "wb").write(struct.pack("<Q", 1 << 60) + b"{}")),
           ("header not json", header(b'{"w": {"dtype": ')), ("header array", header(b"[1,2]")),
           ("unknown dtype", header(b'{"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}', b"\0" * 4)),
           ("offsets past end", header(b'{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', b"\0" * 4)),
           ("negative shape", header(b'{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', b"\0" * 4)),
           ("shape/offset mismatch", header(b'{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', b"\0" * 4)),
           ("invalid utf-8 names", header(b'{"x\xff":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"x\xfe":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', b"\0" * 8)),
           ("duplicate tensor name", header(b'{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', b"\0" * 8)),
           ("deep nesting", header(b'{"__metadata__":' + b"[" * 500 + b"]" * 500 + b"}")),
           ("metadata not strings", header(b'{"__metadata__":{"a":1}}')),
           ]
    for label, setup in mal:
        c.append(Case("merge: " + label, ["merge", "--no-progress", "--method", "task_arithmetic", "--base", P, "--models", F0, "bad.safetensors", "--out", "o.safetensors"], True, setup=setup))
        if not quick:
            c.append(Case("inspect: " + label, ["inspect", "bad.safetensors"], True, setup=setup))
    # --- mismatched models
    def mismatch(kind):
        def s():
            ts = [list(t) for t in good[0]]
            if kind == "missing":
                ts = ts[1:]
            elif kind == "extra":
                ts.append(["extra.weight", "F32", [1], bytearray(4)])
            elif kind == "shape":
                ts[1][2] = [len(ts[1][3]) // 4]
            elif kind == "dtype":
                ts[1][1] = "F16"; ts[1][3] = ts[1][3][: len(ts[1][3]) // 2]
            st_file("bad.safetensors", [(a, b, cc, bytes(d)) for a, b, cc, d in ts], good[1])
        return s
    for kind in ["missing", "extra", "shape", "dtype"]:
        c.append(Case("merge: tensor " + kind, ta[:-2] + [F0, "bad.safetensors", "--out", "o.safetensors"], True, setup=mismatch(kind)))
    # --- non-finite values
    first_float = next(t[0] for t in good[0] if t[1] == "F32")
    c += [Case("merge: NaN weight", ta[:-2] + [F0, "bad.safetensors", "--out", "o.safetensors"], True, setup=lambda: with_value(F1, "bad.safetensors", first_float, 0, float("nan"))),
          Case("merge: Inf weight", ta[:-2] + [F0, "bad.safetensors", "--out", "o.safetensors"], True, setup=lambda: with_value(F1, "bad.safetensors", first_float, 3, float("inf"))),
          Case("merge: --lambda 1e39", ta + ["--lambda", "1e39", "--out", "o.safetensors"], True),
          Case("merge: --lambda nan", ta + ["--lambda", "nan", "--out", "o.safetensors"], True),
          Case("fisher: NaN pixel", fisher(d1="nan.safetensors"), True, setup=lambda: with_value(D1, "nan.safetensors", "pixel_values", 5, float("nan"))),
          Case("fisher: Inf head", fisher(h1="inf.safetensors"), True, setup=lambda: with_value(H1, "inf.safetensors", "weight", 5, float("inf"))),
          Case("regmean: NaN pixel", regmean(d1="nan.safetensors"), True, setup=lambda: with_value(D1, "nan.safetensors", "pixel_values", 5, float("nan"))),
          Case("fisher: 0-class head", fisher(h1="empty.safetensors"), True, setup=lambda: st_file("empty.safetensors", [("weight", "F32", [0, 32], b"")])),
          Case("adamerging: 0-class head", ada(h1="empty.safetensors"), True, setup=lambda: st_file("empty.safetensors", [("weight", "F32", [0, 32], b"")])),
          Case("adamerging: Inf head", ada(h1="inf.safetensors"), True, setup=lambda: with_value(H1, "inf.safetensors", "weight", 1, float("inf"))),
          Case("adamerging: NaN pixel", ada(d1="nan.safetensors"), True, setup=lambda: with_value(D1, "nan.safetensors", "pixel_values", 1, float("nan"))),
          Case("adamerging: NaN init lambda", ada(extra=("--init-lambda", "nanl.safetensors")), True, setup=lambda: with_value("ada_lambda_init.safetensors", "nanl.safetensors", "lambda", 0, float("nan"))),
          Case("embed: NaN pixel", embed(inp="nan.safetensors"), True, setup=lambda: with_value("vit_io.safetensors", "nan.safetensors", "pixel_values", 7, float("nan"))),
          Case("embed: NaN weight", ["embed", "--model", "bad.safetensors", "--config", CFG, "--input", "vit_io.safetensors", "--out", "e.safetensors"], True, setup=lambda: with_value(F1, "bad.safetensors", first_float, 0, float("nan"))),
          ]
    # --- bad options
    opts = [ta + ["--out", "o.safetensors", "--density", "0.2"], ta + ["--out", "o.safetensors", "--lambda", "abc"],
            ["merge", "--no-progress", "--method", "nope", "--models", F0, "--out", "o.safetensors"],
            ta + ["--out", "o.safetensors", "--dtype", "int8"], ta + ["--out", "o.safetensors", "--shard-size", "-5GB"],
            ta + ["--out", "o.safetensors", "--lambda", "0.1,0.2,0.3"], ["merge", "--no-progress", "--method", "ties", "--models", F0, "--out", "o.safetensors"],
            ta, ["merge", "--no-progress"], ta + ["--out", "o.safetensors", "--bogus"],
            ["inspect", "--filter", "([", P], ["inspect", "missing.safetensors"],
            ["embed", "--model", F0, "--input", "vit_io.safetensors", "--out", "e.safetensors", "--batch", "0"],
            ada(extra=("--save-every", "2")), ["adamerging", "--base", P, "--models", F0, "--heads", H0, H1, "--data", D0, "--granularity", "task", "--out", "o.safetensors"],
            ada(extra=("--granularity", "block")), ["distance", F0], ["demo", "--methods", "nope", "--quick", "--zoo", "nozoo", "--out", "res"],
            fisher() + ["--lambda", "0.3"], ta + ["--out", "o.safetensors", "--heads", H0, H1]]
    for i, a in enumerate(opts):
        c.append(Case(f"bad option {i}: {' '.join(x for x in a if x.startswith('--') and x not in ('--no-progress','--method','--base','--models','--out'))}", a, True))
    # --- bad YAML
    yamls = {"yaml: not a mapping": "- a\n- b\n", "yaml: duplicate merge_method": f"merge_method: ties\nmerge_method: task_arithmetic\nbase_model: {P}\nmodels: [{F0}]\n",
             "yaml: undefined alias": f"merge_method: *m\nbase_model: {P}\nmodels: [{F0}]\n", "yaml: cycle": f"merge_method: ties\nbase_model: {P}\nmodels: &m [{F0}, *m]\n",
             "yaml: unknown key": f"merge_method: ties\nbase_model: {P}\nmodels: [{F0}]\nslices: []\n", "yaml: models empty": "merge_method: ties\nmodels: []\n",
             "yaml: tab indent": "merge_method: ties\nmodels:\n\t- a\n", "yaml: two documents": "merge_method: ties\n---\nmerge_method: ties\n",
             "yaml: bad parameter": f"merge_method: ties\nbase_model: {P}\nmodels: [{F0}]\nparameters: {{density: [1,2]}}\n",
             "yaml: alias bomb": "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(f"{chr(c)}: &{chr(c)} [" + ",".join(["*" + chr(c - 1)] * 9) + "]\n" for c in range(ord('b'), ord('k')))}
    for label, text in yamls.items():
        c.append(Case(label, ["merge", "--no-progress", "c.yml", "o.safetensors"], True, setup=lambda text=text: open("c.yml", "w").write(text)))
    c.append(Case("yaml: invalid utf-8", ["merge", "--no-progress", "c.yml", "o.safetensors"], True, setup=lambda: open("c.yml", "wb").write(b"merge_method: \xff\n")))
    # --- shard index escaping its folder
    def escaping_index():
        os.makedirs("sharded", exist_ok=True)
        json.dump({"weight_map": {first_float: "../../../etc/passwd"}}, open("sharded/model.safetensors.index.json", "w"))
    c += [Case("inspect: shard ../../../etc/passwd", ["inspect", "sharded/model.safetensors.index.json"], True, setup=escaping_index),
          Case("merge: shard ../../../etc/passwd", ta[:-2] + [F0, "sharded/model.safetensors.index.json", "--out", "o.safetensors"], True, setup=escaping_index)]
    # --- corrupt images
    def corrupt_images():
        os.makedirs("imgs", exist_ok=True)
        open("imgs/a.png", "wb").write(b"\x89PNG\r\n\x1a\nnot really")
    c += [Case("embed: corrupt png", embed(inp="imgs"), True, setup=corrupt_images),
          Case("regmean: corrupt png", regmean(d1="imgs"), True, setup=corrupt_images),
          Case("embed: empty folder", embed(inp="imgs"), True, setup=lambda: os.makedirs("imgs", exist_ok=True))]
    # --- outputs onto inputs and onto things that exist
    for target in [P, F1]:
        c.append(Case(f"merge --out input {target} --force", ta + ["--out", target, "--force"], True))
    c.append(Case("merge cfg.yml cfg.yml", ["merge", "--no-progress", "ties.yml", "ties.yml"], True,
                  setup=lambda: open("ties.yml", "w").write(f"merge_method: ties\nbase_model: {P}\nmodels: [{F0}, {F1}]\n")))
    c.append(Case("merge: OUTPUT and --out", ["merge", "--no-progress", "ties.yml", "a.safetensors", "--out", "b.safetensors"], True,
                  setup=lambda: open("ties.yml", "w").write(f"merge_method: ties\nbase_model: {P}\nmodels: [{F0}, {F1}]\n")))
    for label, out, setup in [("folder with files", "folder", lambda: (os.makedirs("folder"), open("folder/keep.txt", "w").write("keep"))),
                              ("existing file", "file.safetensors", lambda: open("file.safetensors", "w").write("keep")),
                              ("dot", ".", None), ("/dev/full", "/dev/full", None), ("/dev/null", "/dev/null", None),
                              ("parent is a file", "file.safetensors/x.safetensors", lambda: open("file.safetensors", "w").write("keep"))]:
        c.append(Case("merge --out " + label, ta + ["--out", out], True, setup=setup))
    for target, opt in [(P, "--out"), (F1, "--out"), (H0, "--out"), (D1, "--out")]:
        c.append(Case(f"adamerging {opt} {target}", ada(out=target, extra=("--force",)), True))
    c += [Case("adamerging --save-lambda data", ada(extra=("--save-lambda", D1, "--force")), True),
          Case("adamerging --save-lambda == --out", ada(extra=("--save-lambda", "o.safetensors")), True),
          Case("embed --out input", embed(out="vit_io.safetensors", extra=("--force",)), True),
          Case("embed --out model", embed(out=F0, extra=("--force",)), True),
          Case("embed --out config", embed(out=CFG, extra=("--force",)), True),
          Case("fisher --out head", fisher(out=H0) + ["--force"], True),
          Case("demo --out FILE", ["demo", "--quick", "--zoo", "nozoo", "--out", "file.txt"], True, setup=lambda: open("file.txt", "w").write("x")),
          Case("study --out FILE", ["study", "--zoo", "nozoo", "--out", "file.txt"], True, setup=lambda: open("file.txt", "w").write("x")),
          Case("data export --out FILE", ["data", "export", "--out", "file.txt"], True, setup=lambda: open("file.txt", "w").write("x")),
          Case("zoo report --out FILE", ["zoo", "report", "--zoo", "nozoo", "--out", "file.txt"], True, setup=lambda: open("file.txt", "w").write("x")),
          ]
    # --- interruption and concurrency
    def big():
        n = 40_000_000  # 160 MB per model: long enough to be interrupted mid-write
        for name, v in [("big_pre.safetensors", 0.25), ("big_ft.safetensors", 0.5)]:
            st_file(name, [("w", "F32", [n], struct.pack("<f", v) * n)])
    big_merge = ["merge", "--no-progress", "--method", "task_arithmetic", "--base", "big_pre.safetensors", "--models",
                 "big_ft.safetensors", "--chunk-size", "4096", "--shard-size", "50MB", "--out", "m"]
    c += [Case("kill -9 during merge dir, then rerun", big_merge, False, setup=big, kill=signal.SIGKILL),
          Case("SIGTERM during merge dir, then rerun", big_merge, False, setup=big, kill=signal.SIGTERM),
          Case("import --out existing folder", ["import", "--builtin", "all-minilm-l6-v2", "--out", "folder"], True,
               setup=lambda: (os.makedirs("folder"), open("folder/keep.txt", "w").write("keep"))),
          Case("extract-lora --out base", ["extract-lora", "--base", P, "--model", F0, "--rank", "2", "--out", P], True),
          Case("extract-lora --targets '(['", ["extract-lora", "--base", P, "--model", F0, "--rank", "2", "--targets", "([", "--out", "lora"], True),
          Case("two concurrent merges to one file", ta + ["--out", "m.safetensors"], False, concurrent=True)]
    return c


def run(args, work, timeout=300):
    t0 = time.time()
    p = subprocess.run([CLI] + args, cwd=work, capture_output=True, text=True, timeout=timeout, errors="replace")
    return p.returncode, p.stdout, p.stderr, time.time() - t0


def clear_one_line(code, err):
    lines = [l for l in err.splitlines() if l.strip() and "%" not in l and "=" * 3 not in l]  # progress bars aside
    return code != 0 and len(lines) == 1 and ": error: " in lines[0] and "\tat " not in err and "Exception" not in lines[0].split(": error: ")[0]


def main():
    quick = "--quick" in sys.argv
    out_json = sys.argv[sys.argv.index("--json") + 1] if "--json" in sys.argv else None
    results = []
    for case in cases(quick):
        work = tempfile.mkdtemp(prefix="probe-")
        for f in FIXTURE:
            shutil.copy(os.path.join(REF, f), work)
            os.chmod(os.path.join(work, f), 0o644)
        cwd = os.getcwd()
        os.chdir(work)
        try:
            if case.setup:
                case.setup()
        finally:
            os.chdir(cwd)
        before = snapshot(work)
        record = {"case": case.name, "bad": case.bad}
        if case.kill:
            p = subprocess.Popen([CLI] + case.args, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            deadline = time.time() + 120
            while not hidden(work) and p.poll() is None and time.time() < deadline:
                time.sleep(0.05)  # until the output's temporary exists: mid-write
            record["signalled_mid_write"] = p.poll() is None and bool(hidden(work))
            p.send_signal(case.kill)
            p.wait()
            record["left_after_signal"] = hidden(work)
            code, so, se, secs = run(case.args, work)  # the rerun sweeps what a kill -9 left
        elif case.concurrent:
            ps = [subprocess.Popen([CLI] + case.args, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
            outs = [p.communicate() for p in ps]
            codes = sorted(p.returncode for p in ps)
            code, so, se, secs = codes[0] if codes != [0, 0] else 0, outs[0][0], outs[0][1] + outs[1][1], 0
            record["concurrent_codes"] = codes
        else:
            code, so, se, secs = run(case.args, work)
        after = snapshot(work)
        changed = [k for k, v in before.items() if after.get(k) != v and k not in case.outputs
                   and not any(k.startswith(o + "/") for o in case.outputs)]
        record.update(code=code, seconds=round(secs, 1), err=se.strip().splitlines()[-1] if se.strip() else "",
                      clear=clear_one_line(code, se), leftovers=hidden(work), inputs_changed=changed)
        results.append(record)
        shutil.rmtree(work, ignore_errors=True)
        flag = "ok " if (record["clear"] if case.bad else code == 0) and not changed and not record["leftovers"] else "BAD"
        print(f"{flag} exit {code:3d} {case.name:45s} {record['err'][:110]}", flush=True)
    bad = [r for r in results if r["bad"]]
    goodr = [r for r in results if not r["bad"]]
    codes = {}
    for r in results:
        codes[r["code"]] = codes.get(r["code"], 0) + 1
    summary = {"cases": len(results), "bad_inputs": len(bad), "bad_with_clear_one_line_error": sum(r["clear"] for r in bad),
               "bad_exited_0": sum(r["code"] == 0 for r in bad), "good_runs": len(goodr), "good_exited_0": sum(r["code"] == 0 for r in goodr),
               "exit_codes": dict(sorted(codes.items())), "cases_with_leftover_temporaries": sum(bool(r["leftovers"]) for r in results),
               "cases_with_inputs_changed": sum(bool(r["inputs_changed"]) for r in results),
               "stack_traces": sum("\tat " in r["err"] for r in results),
               "temporaries_right_after_signal": {r["case"]: [r.get("signalled_mid_write"), r["left_after_signal"]]
                                                  for r in results if "left_after_signal" in r},
               "concurrent_writer_codes": [r["concurrent_codes"] for r in results if "concurrent_codes" in r]}
    print(json.dumps(summary, indent=1))
    if out_json:
        json.dump({"summary": summary, "cases": results}, open(out_json, "w"), indent=1)


if __name__ == "__main__":
    main()
