"""End-to-end CLIP image embedding speed: decoding, resizing, the image tower and reading vectors back.

Runs the pipeline `embed_images` uses (aesthetics.image_pipeline: decoder processes feeding device batches)
against the path before it (one process decoding, then the tower in fp32, 32 images at a time), on real
posters, with a CLIP of random weights saved at run time (ViT-B/32's shape by default). No database: the
vectors are read back to the host and dropped, which is what the job does before its bulk UPDATE.

    python bench/bench_embed_images.py                                   # CPU, a tiny model, a quick check
    python bench/bench_embed_images.py --device cuda --arch vit-b-32 --images 50000   # a GPU worker

Random weights measure speed only, never quality. Posters: ../shared/datasets/ml-1m-posters, or --posters.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ARCHS = {
    "tiny": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2,
             "image_size": 224, "patch_size": 32},
    "vit-b-32": {"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12, "num_attention_heads": 12,
                 "image_size": 224, "patch_size": 32},
}  # fmt: skip


def random_checkpoint(arch: str, directory: Path, tokenizer_dir: str) -> str:
    import torch
    from transformers import AutoTokenizer, CLIPConfig, CLIPModel

    torch.manual_seed(0)
    text = {"vocab_size": 30522, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
            "num_attention_heads": 2, "max_position_embeddings": 77, "bos_token_id": 101, "eos_token_id": 102,
            "pad_token_id": 0}  # fmt: skip
    CLIPModel(CLIPConfig(text_config=text, vision_config=ARCHS[arch], projection_dim=512)).save_pretrained(directory)
    AutoTokenizer.from_pretrained(tokenizer_dir).save_pretrained(directory)
    return str(directory)


def default_tokenizer() -> str:
    from cineaesthete.ml import default_text_model_dir

    return default_text_model_dir()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--arch", choices=sorted(ARCHS), default="tiny")
    parser.add_argument("--precision", default="auto", help="auto (fp16 on cuda), fp32, fp16, bf16")
    parser.add_argument("--images", type=int, default=4000, help="images through the new pipeline")
    parser.add_argument("--baseline-images", type=int, default=1000, help="images through the old path")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--decoders", type=int, default=0, help="decoder processes (0: one per core but one)")
    parser.add_argument("--posters", default=str(ROOT.parent / "shared" / "datasets" / "ml-1m-posters"))
    parser.add_argument("--tokenizer", default="", help="a tokenizer directory (default: MiniLM's, installed)")
    args = parser.parse_args()

    import numpy as np
    import torch

    from aesthetics.encoders import ClipEncoder
    from aesthetics.image_pipeline import default_decoders, embed_images_stream

    posters = sorted(str(path) for path in Path(args.posters).glob("*.jpg"))
    if not posters:
        raise SystemExit(f"No posters in {args.posters}")
    decoders = args.decoders or default_decoders()
    print(f"device {args.device}" + (f" ({torch.cuda.get_device_name()})" if args.device == "cuda" else ""))
    print(f"{len(posters)} posters, {os.cpu_count()} cores, {decoders} decoder processes, model {args.arch}")

    with tempfile.TemporaryDirectory() as directory:
        checkpoint = random_checkpoint(args.arch, Path(directory), args.tokenizer or default_tokenizer())
        old = ClipEncoder(checkpoint, device=args.device, precision="fp32")
        new = ClipEncoder(checkpoint, device=args.device, precision=args.precision)
    sources = [posters[n % len(posters)] for n in range(max(args.images, args.baseline_images))]

    # The path before: decode in this process, fp32 tower, 32 at a time, wait for each batch.
    old.embed_images(sources[:32])  # warm-up
    started = time.perf_counter()
    for start in range(0, args.baseline_images, 32):
        old.embed_images(sources[start : min(start + 32, args.baseline_images)])
    old_rate = args.baseline_images / (time.perf_counter() - started)
    print(f"before: one process, fp32, batch 32: {old_rate:,.0f} images/s ({args.baseline_images} images)")
    del old
    if args.device == "cuda":
        torch.cuda.empty_cache()

    # The pipeline, warmed up once (process start-up and kernel selection are paid once per job).
    list(embed_images_stream(new, enumerate(sources[: args.batch * 2]), batch_size=args.batch, decoders=decoders))
    started = time.perf_counter()
    done = 0
    for batch in embed_images_stream(new, enumerate(sources[: args.images]), batch_size=args.batch, decoders=decoders):
        assert np.isfinite(batch.vectors).all()
        done += len(batch.keys)
    elapsed = time.perf_counter() - started
    print(
        f"after: {decoders} decoders, {str(new.dtype).removeprefix('torch.')}, batch {args.batch}: "
        f"{done / elapsed:,.0f} images/s ({done} images in {elapsed:.1f} s, process start included)"
    )
    # The tower alone on decoded crops already on the host: the ceiling the decoders are chasing.
    crops = np.stack([new.load_image(source) for source in sources[: args.batch]])
    new.embed_pixels(crops)
    rounds = 20 if args.device == "cuda" else 2
    started = time.perf_counter()
    handles = [new.embed_uint8_async(crops) for _ in range(rounds)]
    for handle in handles:
        handle.result()
    tower = rounds * len(crops) / (time.perf_counter() - started)
    print(f"tower alone (uint8 crops in host memory, transfer included): {tower:,.0f} images/s")


if __name__ == "__main__":
    main()
