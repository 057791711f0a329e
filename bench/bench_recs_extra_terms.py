"""Extra terms added to the served blend, on the RecBole ML-1M VALIDATION split (never the test split):
popularity within each member's own time window, user-kNN, and GF-CF's ideal low-pass filter, each z-scored per
member and added with weight γ to the site's blend (recency on, as served). Prints NDCG@10 / coverage@10.
With --vae: instead, a Mult-VAE (Liang et al. 2018; 600-200-600, dropout 0.5, β annealed to 0.2, 100 epochs,
about 4 minutes on 2 CPU cores), the non-linear model family the other terms lack.
With --temporal: "trending" popularity (ratings in the days before each member's latest training rating, what the
site would see as trending now) on the temporal validation split and on its gap validation.

python bench/bench_recs_extra_terms.py [--ratings-file PATH] [--seed 2020] [--temporal | --vae]
"""

from __future__ import annotations

import argparse

import numpy as np
import scipy.sparse as sp
from recbole_validation import validation_split

DAY = 86400
WEIGHTS = (0.1, 0.2, 0.35)


def _z(matrix: np.ndarray) -> np.ndarray:
    centred = matrix - matrix.mean(axis=1, keepdims=True)
    spread = centred.std(axis=1, keepdims=True)
    spread[spread == 0] = 1
    return (centred / spread).astype(np.float32)


def _window_counts(all_times: sp.csr_matrix, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """(members, items): how many of everyone's training ratings of each item fall in each member's [lo, hi]."""
    by_item = all_times.tocsc()
    counts = np.zeros((len(lo), all_times.shape[1]), dtype=np.float32)
    for item in range(all_times.shape[1]):
        stamps = np.sort(by_item.data[by_item.indptr[item] : by_item.indptr[item + 1]])
        counts[:, item] = np.searchsorted(stamps, hi, "right") - np.searchsorted(stamps, lo)
    return counts


def _served_scores(train: sp.csr_matrix, times: sp.csr_matrix, item_ids: np.ndarray) -> np.ndarray:
    """(members, items): the site's blend, trained on ``train`` with the site's settings, recency on."""
    from recommendations.engine import evaluation as ev
    from recommendations.management.commands.evaluate_recommender import production_tuned

    tuned = production_tuned()
    model, user_factors = ev.train_production(
        train,
        item_ids,
        als=tuned.als,
        confidence=tuned.confidence,
        blend=tuned.blend,
        ease_regularization=tuned.blend_lambda,
        threads=2,
    )
    scores = np.zeros(train.shape, dtype=np.float32)
    for start in range(0, train.shape[0], 512):
        rows = np.arange(start, min(start + 512, train.shape[0]))
        scores[rows] = ev.production_scores(model, user_factors, train, rows, times=times)
    return scores


def temporal(arguments) -> None:
    from recommendations.engine import evaluation as ev
    from recommendations.engine.baselines import ease_weights, item_popularity
    from recommendations.engine.data import load_ratings_file

    split = ev.temporal_split(load_ratings_file(arguments.ratings_file))
    gap = ev.temporal_gap_validation(split)
    settings = {
        "temporal validation": (split.train, split.train_times, split.valid, ev._binary(split.train)),
        "gap validation": (gap.train, gap.train_times, gap.held_out, ((ev._binary(gap.train) + gap.skipped) > 0) * 1.0),
    }
    for name, (train, times, target, exclude) in settings.items():
        exclude = sp.csr_matrix(exclude, dtype=np.float32)
        popularity = item_popularity(train)
        n_users = train.shape[0]
        base = _served_scores(train, times, split.item_ids)

        def valid(scores: np.ndarray, target=target, exclude=exclude, popularity=popularity, n_users=n_users) -> str:
            lists = ev.lists_from_scores(lambda chosen: scores[chosen], exclude)
            m = ev.evaluate_lists(lists, target, popularity=popularity, n_users_train=n_users)
            return f"NDCG@10 {m['ndcg@10']:.4f} coverage@10 {m['coverage@10']:.3f}"

        binary = ev._binary(train)
        print(f"{name}: EASE λ 1000 {valid(np.asarray(binary @ ease_weights(binary, regularization=1000.0)))}")
        print(f"{name}: served blend {valid(base)}", flush=True)
        last = np.maximum.reduceat(times.data, times.indptr[:-1])
        for days in (30, 90):
            term = _z(np.log1p(_window_counts(split.train_times, last - days * DAY, last)))
            for weight in (0.2, 0.5):
                print(f"  + {weight} × trending ({days} days before): {valid(base + weight * term)}", flush=True)


def mult_vae_scores(binary: sp.csr_matrix, *, epochs: int = 100, hidden: int = 600, latent: int = 200) -> np.ndarray:
    """(members, items) logits of a Mult-VAE trained on ``binary`` (multinomial likelihood, KL annealed to 0.2)."""
    import torch  # only this candidate needs it

    torch.manual_seed(0)
    x_all = torch.tensor(binary.toarray(), dtype=torch.float32)
    n_users, n_items = x_all.shape
    encoder = torch.nn.Sequential(
        torch.nn.Linear(n_items, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, 2 * latent)
    )
    decoder = torch.nn.Sequential(torch.nn.Linear(latent, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, n_items))
    optimiser = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=1e-3)
    batch, step = 500, 0
    total = epochs * -(-n_users // batch)
    for _ in range(epochs):
        order = torch.randperm(n_users)
        for start in range(0, n_users, batch):
            x = x_all[order[start : start + batch]]
            h = encoder(torch.nn.functional.dropout(torch.nn.functional.normalize(x, dim=1), 0.5))
            mu, logvar = h[:, :latent], h[:, latent:]
            logits = decoder(mu + torch.randn_like(mu) * torch.exp(0.5 * logvar))
            nll = -(torch.log_softmax(logits, 1) * x).sum(1).mean()
            kl = (-0.5 * (1 + logvar - mu**2 - logvar.exp()).sum(1)).mean()
            loss = nll + min(0.2, 0.2 * step / (0.8 * total)) * kl
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            step += 1
    with torch.no_grad():
        return decoder(encoder(torch.nn.functional.normalize(x_all, dim=1))[:, :latent]).numpy()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--temporal", action="store_true")
    parser.add_argument("--vae", action="store_true")
    arguments, split = validation_split(parser)
    if arguments.temporal:
        temporal(arguments)
        return
    from scipy.sparse.linalg import svds

    from recommendations.engine import evaluation as ev
    from recommendations.engine.baselines import item_popularity

    train, times = split.train, split.train_times
    binary = ev._binary(train).astype(np.float32)
    popularity = item_popularity(train)
    n_users, n_items = train.shape
    base = _served_scores(train, times, split.item_ids)

    def valid(scores: np.ndarray) -> str:
        lists = ev.lists_from_scores(lambda rows: scores[rows], binary)
        m = ev.evaluate_lists(lists, split.valid, popularity=popularity, n_users_train=n_users)
        return f"NDCG@10 {m['ndcg@10']:.4f} coverage@10 {m['coverage@10']:.3f}"

    def report(name: str, term: np.ndarray) -> None:
        print(f"{name} alone: {valid(term)}", flush=True)
        for weight in WEIGHTS:
            print(f"  served + {weight} × it: {valid(base + weight * term)}", flush=True)

    print(f"served blend: {valid(base)}", flush=True)
    if arguments.vae:
        scores = mult_vae_scores(binary)
        print(f"Mult-VAE alone: {valid(scores)}", flush=True)
        for weight in (0.35, 1.0, 2.0, 3.0):
            print(f"  served + {weight} × it: {valid(base + weight * _z(scores))}", flush=True)
        return
    # popularity among the ratings given while the member was active (± a margin)
    first = np.minimum.reduceat(times.data, times.indptr[:-1])
    last = np.maximum.reduceat(times.data, times.indptr[:-1])
    for margin in (DAY, 7 * DAY, 30 * DAY):
        counts = _window_counts(times, first - margin, last + margin)
        report(f"time-window popularity ± {margin // DAY} d", _z(np.log1p(counts)))
    dense = binary.toarray()
    normalised = dense / np.sqrt(dense.sum(axis=1))[:, None]
    similarity = normalised @ normalised.T
    np.fill_diagonal(similarity, 0)
    for k in (50, 200):
        kept = similarity.copy()
        kept[kept < -np.partition(-kept, k, axis=1)[:, k][:, None]] = 0
        report(f"user-kNN k {k}", _z(kept @ dense))
    item_degree = np.maximum(dense.sum(axis=0), 1)
    filtered = dense / np.sqrt(dense.sum(axis=1))[:, None] / np.sqrt(item_degree)[None, :]
    for rank in (64, 256):
        _, _, vt = svds(sp.csr_matrix(filtered), k=rank)
        report(
            f"GF-CF ideal low-pass, rank {rank}",
            _z((filtered / np.sqrt(item_degree)) @ vt.T @ (vt * np.sqrt(item_degree))),
        )


if __name__ == "__main__":
    main()
