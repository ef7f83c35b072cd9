#!/usr/bin/env python3
"""The PyTorch half of the ViT benchmark: the same functional CLIP vision tower as io.adamerge.model.ClipVisionTower
(patches as one matrix product, pre-LN blocks, quick_gelu, post-LN, projection, normalised head, mean entropy),
random weights, timed for forward (no grad) and forward+backward. Prints one JSON line.

Usage: vit_bench.py --batch 16 --warmup 2 --reps 5  (ViT-B/32 shapes)
"""
import argparse
import json
import math
import os
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


def timed(fn, warmup, reps):
    """Wall-clock and process CPU seconds (all threads) of each timed repetition."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(reps):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(a.threads)
    gen = torch.Generator().manual_seed(0)
    w = weights(gen)
    head = torch.randn(CLASSES, PROJ, generator=gen)
    pixels = torch.randn(a.batch, 3, IMAGE, IMAGE, generator=gen)

    def fwd():
        with torch.no_grad():
            forward(w, pixels, head).item()

    def fwd_bwd():
        for p in w.values():
            p.grad = None
        forward(w, pixels, head).backward()

    x, wt = torch.randn(800, 768, generator=gen), torch.randn(3072, 768, generator=gen)
    gemm = 0.0
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(10):
            F.linear(x, wt)
        gemm = max(gemm, 10 * 2.0 * 800 * 768 * 3072 / (time.perf_counter() - start) / 1e9)
    fwd_wall, fwd_cpu = timed(fwd, a.warmup, a.reps)
    for p in w.values():
        p.requires_grad_(True)
    fb_wall, fb_cpu = timed(fwd_bwd, a.warmup, a.reps)
    print(json.dumps({"engine": "pytorch " + torch.__version__, "threads": torch.get_num_threads(), "batch": a.batch, "gemm_gflops": gemm,
                      "forward_wall_s": fwd_wall, "forward_cpu_s": fwd_cpu,
                      "forward_backward_wall_s": fb_wall, "forward_backward_cpu_s": fb_cpu,
                      "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE")}))


if __name__ == "__main__":
    main()
