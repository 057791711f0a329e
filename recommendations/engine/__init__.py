"""The recommender engine: plain numpy/scipy modules fed arrays and ids, no Django, no HTTP.

- ``data``: loading MovieLens files, index maps, the user×item matrix.
- ``confidence``: stars → ALS confidence (the weighting is documented there).
- ``als``: training (implicit's ALS), fold-in of one member, score explanations.
- ``ranking``: top-k with exclusions, MMR diversity, hidden gems, surprise me.
- ``baselines``: popularity, item-kNN, EASE (evaluation rows and the production blend).
- ``content``: content similarity (genres, people, plot embeddings).
- ``evaluation``: RecBole ML-1M and temporal protocols, metrics.
- ``artifact``: the versioned model file (save, verify, load).
"""
