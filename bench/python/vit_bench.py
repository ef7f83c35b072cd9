#!/usr/bin/env python3
"""The PyTorch half of the ViT benchmark: the same functional CLIP vision tower as io.adamerge.model.ClipVisionTower
(patches as one matrix product, pre-LN blocks, quick_gelu, post-LN, projection, normalised head, mean entropy),
random weights. Driven by io.adamerge.bench.VitBenchmark over stdin/stdout: each line "fwd", "fwd_bwd" or "gemm"
runs one repetition and answers {"wall": s, "cpu": s}; "quit" ends.

Usage: vit_bench.py --batch 16 --threads N  (ViT-B/32 shapes)
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

D, LAYERS, HEADS, MLP, PATCH, IMAGE, PROJ, CLASSES = 768, 12, 12, 3072, 32, 224, 512, 10


def weights(gen):
    def n(*shape, std):
        return torch.randn(*shape, generator=gen) * std
    attn = D ** -0.5 * (2 * LAYERS) ** -0.5
    w = {
        "cls": n(D, std=D ** -0.5), "patch": n(D, 3, PATCH, PATCH, std=0.02),
        "pos": n((IMAGE // PATCH) ** 2 + 1, D, std=0.02),
        "pre_g": torch.ones(D), "pre_b": torch.zeros(D), "post_g": torch.ones(D), "post_b": torch.zeros(D),
        "proj": n(PROJ, D, std=D ** -0.5),
    }
    for i in range(LAYERS):
        for p in ("q", "k", "v"):
            w[f"{i}.{p}"] = n(D, D, std=attn)
            w[f"{i}.{p}_b"] = torch.zeros(D)
        w[f"{i}.o"] = n(D, D, std=D ** -0.5)
        w[f"{i}.o_b"] = torch.zeros(D)
        w[f"{i}.fc1"] = n(MLP, D, std=(2 * D) ** -0.5)
        w[f"{i}.fc1_b"] = torch.zeros(MLP)
        w[f"{i}.fc2"] = n(D, MLP, std=attn)
        w[f"{i}.fc2_b"] = torch.zeros(D)
        for ln in ("ln1", "ln2"):
            w[f"{i}.{ln}_g"] = torch.ones(D)
            w[f"{i}.{ln}_b"] = torch.zeros(D)
    return w


def forward(w, pixels, head):
    b = pixels.shape[0]
    g = IMAGE // PATCH
    t = g * g + 1
    hd = D // HEADS
    patches = pixels.reshape(b, 3, g, PATCH, g, PATCH).permute(0, 2, 4, 1, 3, 5).reshape(b, g * g, 3 * PATCH * PATCH)
    tokens = F.linear(patches, w["patch"].reshape(D, -1))
    x = torch.cat([w["cls"].reshape(1, 1, D).expand(b, 1, D), tokens], 1) + w["pos"]
    x = F.layer_norm(x, (D,), w["pre_g"], w["pre_b"], 1e-5)
    for i in range(LAYERS):
        h = F.layer_norm(x, (D,), w[f"{i}.ln1_g"], w[f"{i}.ln1_b"], 1e-5)
        q = F.linear(h, w[f"{i}.q"], w[f"{i}.q_b"]) * (1.0 / math.sqrt(hd))
        k = F.linear(h, w[f"{i}.k"], w[f"{i}.k_b"])
        v = F.linear(h, w[f"{i}.v"], w[f"{i}.v_b"])
        q = q.reshape(b, t, HEADS, hd).transpose(1, 2)
        k = k.reshape(b, t, HEADS, hd).permute(0, 2, 3, 1)
        v = v.reshape(b, t, HEADS, hd).transpose(1, 2)
        ctx = torch.matmul(torch.matmul(q, k).softmax(-1), v).transpose(1, 2).reshape(b, t, D)
        x = x + F.linear(ctx, w[f"{i}.o"], w[f"{i}.o_b"])
        h = F.layer_norm(x, (D,), w[f"{i}.ln2_g"], w[f"{i}.ln2_b"], 1e-5)
        h = F.linear(h, w[f"{i}.fc1"], w[f"{i}.fc1_b"])
        h = h * torch.sigmoid(1.702 * h)
        x = x + F.linear(h, w[f"{i}.fc2"], w[f"{i}.fc2_b"])
    pooled = F.layer_norm(x[:, 0, :], (D,), w["post_g"], w["post_b"], 1e-5)
    embeds = F.linear(pooled, w["proj"])
    logits = F.linear(embeds / embeds.norm(dim=-1, keepdim=True).clamp_min(1e-12), head)
    log_p = logits.log_softmax(-1)
    return -(log_p.exp() * log_p).sum(-1).mean()


def run_timed(fn):
    """Wall-clock and process CPU seconds (all threads) of one call."""
    start, start_cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - start, time.process_time() - start_cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(a.threads)
    gen = torch.Generator().manual_seed(0)
    w = weights(gen)
    head = torch.randn(CLASSES, PROJ, generator=gen)
    pixels = torch.randn(a.batch, 3, IMAGE, IMAGE, generator=gen)
    grad_w = {k: v.clone().requires_grad_(True) for k, v in w.items()}
    x, wt = torch.randn(800, 768, generator=gen), torch.randn(3072, 768, generator=gen)

    def fwd():
        with torch.no_grad():
            forward(w, pixels, head).item()

    def fwd_bwd():
        for p in grad_w.values():
            p.grad = None  # zero_grad(set_to_none=True), PyTorch's default
        forward(grad_w, pixels, head).backward()

    def gemm():
        for _ in range(10):
            F.linear(x, wt)

    # one command per line on stdin, one JSON answer per line on stdout, so the caller can interleave
    # single repetitions with its own and both sides see the same machine load
    commands = {"fwd": fwd, "fwd_bwd": fwd_bwd, "gemm": gemm}
    print(json.dumps({"engine": "pytorch " + torch.__version__, "threads": torch.get_num_threads(),
                      "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE")}), flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "quit":
            break
        wall, cpu = run_timed(commands[cmd])
        print(json.dumps({"wall": wall, "cpu": cpu}), flush=True)


if __name__ == "__main__":
    main()
