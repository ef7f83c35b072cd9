#!/usr/bin/env python3
"""The PyTorch side of the AdaMerging step benchmark: one layer-wise AdaMerging step (8 tasks x 16 inputs by default,
entropy of each task's predictions, Adam on the coefficients) in the two styles people run it in PyTorch:

  official     the AdaMerging authors' code: the merged weights are rebuilt from the coefficients inside every task's
               forward (their ModelWrapper.forward calls the merge), the tasks' entropies are summed and one backward
               runs on the sum.
  fusionbench  FusionBench's layer-wise AdaMerging: the weights are merged once per step, every task's forward is a
               functional call on the merged weights, and each task's loss is back-propagated on its own
               (retain_graph, since the merge is shared).

Both on random weights of the real shapes: ViT-B/32 (--model vit, the forward of vit_bench.py: 224 px, 12 x 768) or
all-MiniLM-L6-v2 (--model minilm: 6 x 384, 12 heads, FFN 1536, vocabulary 30,522, --tokens 32, mean pooling).
Layer-wise: one coefficient per task per parameter tensor, theta_l = pre_l + sum_k lambda_lk T_kl.

Driven by io.adamerge.bench.AdaStepBenchmark over stdin/stdout: a line "official" or "fusionbench" runs one step and
answers {"wall": s, "cpu": s, "loss": x}; "quit" ends. Standalone: --once STYLE prints one step's figures.
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vit_bench  # noqa: E402  the ViT-B/32 weights and forward, shared with the forward/backward benchmark

V_VOCAB, V_POS, V_D, V_LAYERS, V_HEADS, V_FFN = 30522, 512, 384, 6, 12, 1536


def minilm_weights(gen):
    def n(*shape, std=0.02):
        return torch.randn(*shape, generator=gen) * std
    w = {"word": n(V_VOCAB, V_D), "pos": n(V_POS, V_D), "type": n(2, V_D),
         "emb_g": torch.ones(V_D), "emb_b": torch.zeros(V_D)}
    for i in range(V_LAYERS):
        for p in ("q", "k", "v", "o"):
            w[f"{i}.{p}"] = n(V_D, V_D)
            w[f"{i}.{p}_b"] = torch.zeros(V_D)
        w[f"{i}.fc1"], w[f"{i}.fc1_b"] = n(V_FFN, V_D), torch.zeros(V_FFN)
        w[f"{i}.fc2"], w[f"{i}.fc2_b"] = n(V_D, V_FFN), torch.zeros(V_D)
        for ln in ("ln1", "ln2"):
            w[f"{i}.{ln}_g"], w[f"{i}.{ln}_b"] = torch.ones(V_D), torch.zeros(V_D)
    return w


def minilm_forward(w, batch, head):
    """BERT encoder (post-LN, erf GELU), mean pooling over the mask, normalised head, mean prediction entropy."""
    ids, mask = batch
    b, t = ids.shape
    hd = V_D // V_HEADS
    x = F.embedding(ids, w["word"]) + w["pos"][:t] + w["type"][0]
    x = F.layer_norm(x, (V_D,), w["emb_g"], w["emb_b"], 1e-12)
    bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
    for i in range(V_LAYERS):
        q = F.linear(x, w[f"{i}.q"], w[f"{i}.q_b"]).reshape(b, t, V_HEADS, hd).transpose(1, 2)
        k = F.linear(x, w[f"{i}.k"], w[f"{i}.k_b"]).reshape(b, t, V_HEADS, hd).transpose(1, 2)
        v = F.linear(x, w[f"{i}.v"], w[f"{i}.v_b"]).reshape(b, t, V_HEADS, hd).transpose(1, 2)
        att = (torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hd) + bias).softmax(-1)
        ctx = torch.matmul(att, v).transpose(1, 2).reshape(b, t, V_D)
        x = F.layer_norm(x + F.linear(ctx, w[f"{i}.o"], w[f"{i}.o_b"]), (V_D,), w[f"{i}.ln1_g"], w[f"{i}.ln1_b"], 1e-12)
        h = F.gelu(F.linear(x, w[f"{i}.fc1"], w[f"{i}.fc1_b"]))
        x = F.layer_norm(x + F.linear(h, w[f"{i}.fc2"], w[f"{i}.fc2_b"]), (V_D,), w[f"{i}.ln2_g"], w[f"{i}.ln2_b"], 1e-12)
    m = mask[:, :, None].float()
    pooled = (x * m).sum(1) / m.sum(1).clamp_min(1e-9)
    logits = F.linear(pooled / pooled.norm(dim=-1, keepdim=True).clamp_min(1e-12), head)
    log_p = logits.log_softmax(-1)
    return -(log_p.exp() * log_p).sum(-1).mean()


class Setup:
    def __init__(self, model, tasks, batch, tokens, gen):
        if model == "vit":
            self.pre = vit_bench.weights(gen)
            self.forward = lambda w, x, head: vit_bench.forward(w, x, head)
            dim = vit_bench.PROJ
            self.inputs = [torch.randn(batch, 3, vit_bench.IMAGE, vit_bench.IMAGE, generator=gen) for _ in range(tasks)]
        else:
            self.pre = minilm_weights(gen)
            self.forward = minilm_forward
            dim = V_D
            self.inputs = []
            for _ in range(tasks):
                ids = torch.randint(1000, V_VOCAB, (batch, tokens), generator=gen)
                lengths = torch.randint(tokens // 3, tokens + 1, (batch,), generator=gen)
                lengths[0] = tokens  # the longest text sets the padded width, as on the DJL side
                mask = (torch.arange(tokens)[None, :] < lengths[:, None]).long()
                self.inputs.append((ids * mask, mask))
        self.names = list(self.pre)
        # task vectors of fine-tuning's size (a few percent of the weights' scale)
        self.tvs = [{n: torch.randn(p.shape, generator=gen) * 1e-3 for n, p in self.pre.items()} for _ in range(tasks)]
        self.heads = []
        for _ in range(tasks):
            h = torch.randn(10, dim, generator=gen)
            self.heads.append(20.0 * h / h.norm(dim=-1, keepdim=True))
        self.lam = torch.full((len(self.names), tasks), 0.3, requires_grad=True)
        self.opt = torch.optim.Adam([self.lam], lr=1e-3, betas=(0.9, 0.999))

    def merged(self):
        lam = self.lam.clamp(0, 1)
        out = {}
        for l, n in enumerate(self.names):
            p = self.pre[n]
            for k, tv in enumerate(self.tvs):
                p = p + lam[l, k] * tv[n]
            out[n] = p
        return out

    def official_step(self):
        self.opt.zero_grad(set_to_none=True)
        total = 0.0
        for k, x in enumerate(self.inputs):
            total = total + self.forward(self.merged(), x, self.heads[k])  # rebuilt inside every task's forward
        total.backward()
        self.opt.step()
        return float(total)

    def fusionbench_step(self):
        self.opt.zero_grad(set_to_none=True)
        merged = self.merged()  # once per step
        total = 0.0
        for k, x in enumerate(self.inputs):
            loss = self.forward(merged, x, self.heads[k])
            loss.backward(retain_graph=k + 1 < len(self.inputs))
            total += float(loss)
        self.opt.step()
        return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=["vit", "minilm"], default="vit")
    ap.add_argument("--tasks", type=int, default=8)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--tokens", type=int, default=32)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--once", choices=["official", "fusionbench"])
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(a.threads)
    setup = Setup(a.model, a.tasks, a.batch, a.tokens, torch.Generator().manual_seed(0))
    styles = {"official": setup.official_step, "fusionbench": setup.fusionbench_step}

    def timed(style):
        start, start_cpu = time.perf_counter(), time.process_time()
        loss = styles[style]()
        return {"wall": time.perf_counter() - start, "cpu": time.process_time() - start_cpu, "loss": loss}

    if a.once:
        print(json.dumps(timed(a.once)))
        return
    print(json.dumps({"engine": "pytorch " + torch.__version__, "threads": torch.get_num_threads(), "model": a.model,
                      "layers": len(setup.names), "tasks": a.tasks, "batch": a.batch}), flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "quit":
            break
        print(json.dumps(timed(cmd)), flush=True)


if __name__ == "__main__":
    main()
