"""MiniLM (all-MiniLM-L6-v2) fine-tuned for review sentiment, and its blend with the NB-SVM classifier.

The two make different mistakes: NB-SVM reads phrases anywhere in a long review, the encoder reads word order
within its window (the first 128 and the last 126 tokens: a review's opening and its verdict). Their blend is
`z = d_nb / s_nb + w · d_lm / s_lm` (d: each model's log-odds, s: its spread on the validation split), read as
P(positive) = sigmoid(a · z), with w and a fitted on the validation split, never on the held-out films.

Fine-tuning is heavy work: one epoch over the ~14,500 training reviews takes about 55 minutes on two CPU cores
and a few minutes on a GPU (`manage.py train_sentiment --finetune [--device cuda]`, or the `finetune_sentiment`
job on the `ml` queue). The artifact is a folder beside the NB-SVM one (MODEL_DIR/sentiment/minilm/):
`encoder/` (transformers' save_pretrained, with its tokenizer), `head.npz` and `meta.json`. It names the NB-SVM
version it was blended with; `default_analyser()` uses the blend only with that same NB-SVM artifact.

torch and transformers are imported inside the functions that need them.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

FORMAT = "minilm-sentiment-1"
HEAD_TOKENS, TAIL_TOKENS = 128, 126
BLEND_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)


def _token_rows(tokenizer, texts: Sequence[str]):
    """Input ids and attention mask, each text cut to its first HEAD_TOKENS and last TAIL_TOKENS tokens."""
    import torch

    ids = tokenizer(list(texts), add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
    rows = [row if len(row) <= HEAD_TOKENS + TAIL_TOKENS else row[:HEAD_TOKENS] + row[-TAIL_TOKENS:] for row in ids]
    rows = [[tokenizer.cls_token_id, *row, tokenizer.sep_token_id] for row in rows]
    width = max(len(row) for row in rows)
    input_ids = torch.zeros((len(rows), width), dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        input_ids[i, : len(row)] = torch.tensor(row)
        mask[i, : len(row)] = 1
    return input_ids, mask


class SentimentEncoder:
    """The encoder with a linear head on its mean-pooled tokens; `differences` gives logit(pos) − logit(neg)."""

    def __init__(self, model, tokenizer, head, *, meta: dict | None = None, device: str = "cpu") -> None:
        self.model, self.tokenizer, self.head = model, tokenizer, head
        self.meta = dict(meta or {})
        self.device = device

    def _logits(self, input_ids, mask):
        hidden = self.model(input_ids=input_ids.to(self.device), attention_mask=mask.to(self.device)).last_hidden_state
        weights = mask.to(self.device).unsqueeze(-1).float()
        return self.head((hidden * weights).sum(1) / weights.sum(1))

    def differences(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        import torch

        self.model.eval()
        out = []
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                logits = self._logits(*_token_rows(self.tokenizer, texts[start : start + batch_size])).float()
                out.append((logits[:, 1] - logits[:, 0]).cpu().numpy())
        return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)

    @classmethod
    def base(cls, model_dir: str, *, device: str = "cpu", seed: int = 0) -> SentimentEncoder:
        """The pretrained encoder with a fresh head, ready to fine-tune."""
        import torch
        from transformers import AutoModel, AutoTokenizer

        torch.manual_seed(seed)
        model = AutoModel.from_pretrained(model_dir).to(device)
        head = torch.nn.Linear(model.config.hidden_size, 2).to(device)
        return cls(model, AutoTokenizer.from_pretrained(model_dir), head, device=device)

    def finetune(
        self,
        texts: Sequence[str],
        labels: Sequence[int],
        *,
        epochs: int = 1,
        batch_size: int = 16,
        learning_rate: float = 5e-5,
        seed: int = 0,
        log: Callable[[str], None] = print,
    ) -> None:
        """AdamW with 6% linear warm-up and linear decay, gradients clipped at 1 (the usual BERT recipe)."""
        import torch

        rng = np.random.default_rng(seed)
        steps_per_epoch = math.ceil(len(texts) / batch_size)
        steps = max(1, epochs * steps_per_epoch)
        warm = max(1, int(0.06 * steps))
        params = [*self.model.parameters(), *self.head.parameters()]
        optimiser = torch.optim.AdamW(params, lr=learning_rate, weight_decay=0.01)
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimiser, lambda step: min((step + 1) / warm, max(0.0, (steps - step) / max(1, steps - warm)))
        )
        y_all = np.asarray(labels, dtype=np.int64)
        self.model.train()
        started, step = time.perf_counter(), 0
        for _ in range(epochs):
            order = rng.permutation(len(texts))
            for start in range(0, len(texts), batch_size):
                chunk = order[start : start + batch_size]
                logits = self._logits(*_token_rows(self.tokenizer, [texts[i] for i in chunk]))
                loss = torch.nn.functional.cross_entropy(logits, torch.from_numpy(y_all[chunk]).to(self.device))
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, 1.0)
                optimiser.step()
                schedule.step()
                optimiser.zero_grad()
                step += 1
                if step % 100 == 0 or step == steps:
                    log(
                        f"  fine-tuning step {step}/{steps}, loss {loss.item():.3f}, {time.perf_counter() - started:.0f}s"
                    )
        self.model.eval()

    def save(self, directory: Path) -> None:
        """Written to a sibling folder first and swapped in, so a reader never sees half an artifact."""
        tmp = directory.with_name(directory.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        (tmp / "encoder").mkdir(parents=True)
        self.model.save_pretrained(tmp / "encoder")
        self.tokenizer.save_pretrained(tmp / "encoder")
        weight = self.head.weight.detach().cpu().numpy()
        bias = self.head.bias.detach().cpu().numpy()
        np.savez(tmp / "head.npz", weight=weight, bias=bias)
        (tmp / "meta.json").write_text(json.dumps({"format": FORMAT, **self.meta}, indent=1))
        old = directory.with_name(directory.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if directory.exists():
            directory.rename(old)
        tmp.rename(directory)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path, *, device: str = "cpu") -> SentimentEncoder:
        import torch
        from transformers import AutoModel, AutoTokenizer

        meta = json.loads((directory / "meta.json").read_text())
        if meta.get("format") != FORMAT:
            raise ValueError(f"{directory} is not a {FORMAT} artifact")
        model = AutoModel.from_pretrained(directory / "encoder").to(device).eval()
        with np.load(directory / "head.npz") as arrays:
            weight, bias = arrays["weight"], arrays["bias"]
        head = torch.nn.Linear(weight.shape[1], weight.shape[0])
        with torch.no_grad():
            head.weight.copy_(torch.from_numpy(weight))
            head.bias.copy_(torch.from_numpy(bias))
        return cls(
            model, AutoTokenizer.from_pretrained(directory / "encoder"), head.to(device), meta=meta, device=device
        )


def fit_blend(nb_decisions: np.ndarray, lm_differences: np.ndarray, labels: Sequence[int]) -> dict:
    """The blend's weight (best validation accuracy over BLEND_WEIGHTS, the smaller on a tie) and its slope
    (a one-variable logistic regression), from validation reviews neither model was trained on."""
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(labels, dtype=int)
    nb_scale = float(np.std(nb_decisions)) or 1.0
    lm_scale = float(np.std(lm_differences)) or 1.0
    accuracy = {
        weight: float(((nb_decisions / nb_scale + weight * lm_differences / lm_scale > 0) == y).mean())
        for weight in BLEND_WEIGHTS
    }
    weight = max(BLEND_WEIGHTS, key=lambda w: (accuracy[w], -w))
    z = nb_decisions / nb_scale + weight * lm_differences / lm_scale
    slope = (
        float(LogisticRegression(fit_intercept=False).fit(z.reshape(-1, 1), y).coef_[0, 0]) if len(set(y)) > 1 else 1.0
    )
    return {
        "weight": weight,
        "nb_scale": nb_scale,
        "lm_scale": lm_scale,
        "slope": max(slope, 1e-3),
        "validation_accuracy": {f"{w:g}": round(a, 4) for w, a in accuracy.items()},
    }


def blend_scores(nb_decisions: np.ndarray, lm_differences: np.ndarray, blend: dict) -> np.ndarray:
    """Scores in [-1, 1]: 2 · P(positive) − 1 of the blend."""
    z = nb_decisions / blend["nb_scale"] + blend["weight"] * lm_differences / blend["lm_scale"]
    return 2.0 / (1.0 + np.exp(-blend["slope"] * z)) - 1.0
