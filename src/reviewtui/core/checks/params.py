"""Provides `PARAMETERS`: the hyper-parameters the ledger knows, with their names in prose and in code.

Each `Parameter` has a canonical name (`learning_rate`), the ways a spec writes it ("learning rate",
"lr"), the identifiers code uses for it (`lr`, `learning_rate`, `base_lr`), the nouns that follow a
count ("3 epochs"), and what kind of value it takes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

ParameterKind = Literal["number", "int", "seeds", "choice", "model"]


@dataclass(frozen=True)
class Parameter:
    """One hyper-parameter the spec may state and the code may set."""

    name: str
    """Canonical name, shown in the ledger (`learning_rate`)."""
    kind: ParameterKind
    prose: tuple[str, ...]
    """How a spec writes it before its value ("learning rate", "lr"), case-insensitive."""
    code: frozenset[str]
    """Identifiers code uses for it (compared lower-case, `-` as `_`)."""
    nouns: tuple[str, ...] = ()
    """Nouns that follow its value in prose ("3 epochs", "500 warmup steps")."""
    choices: tuple[str, ...] = field(default=())
    """Allowed words for a `choice` parameter."""


def _p(
    name: str, kind: ParameterKind, prose: str, code: str, nouns: str = "", choices: str = ""
) -> Parameter:
    split = lambda text: tuple(part.strip() for part in text.split("|") if part.strip())  # noqa: E731
    return Parameter(name, kind, split(prose), frozenset(split(code)), split(nouns), split(choices))


def _count_names(nouns: str) -> str:
    """Code names of a count: `n_passages`, `num_docs`, `max_hard_negatives`, `passages_count`..."""
    words = [noun.strip("-").replace(" ", "_").replace("-", "_") for noun in nouns.split("|")]
    words += [word.rstrip("s") for word in words if word.endswith("s")]
    qualified = [
        f"{qualifier}_{word}"
        for word in words
        for qualifier in ("n", "num", "number_of", "max", "total", "k")
    ]
    return "|".join([*qualified, *(f"{word}_count" for word in words)])


COUNTS_PER_ITEM = frozenset({"num_passages", "num_queries"})
"""Counts a sentence often states per item ("for each passage, 3 questions"): not read there."""


PARAMETERS: tuple[Parameter, ...] = (
    _p(
        "learning_rate",
        "number",
        "learning rate|learning-rate|learning_rate|lr|step size",
        "lr|learning_rate|learningrate|base_lr|init_lr|initial_lr|peak_lr",
    ),
    _p(
        "batch_size",
        "int",
        "batch size|batch sizes|batch-size|batch_size|mini-batch size|minibatch size|batch of|batches of|"
        "mini-batches of|minibatches of",
        "batch_size|bs|batchsize|train_batch_size|per_device_train_batch_size|per_device_batch_size",
    ),
    _p(
        "eval_batch_size",
        "int",
        "evaluation batch size|eval batch size|inference batch size|test batch size|eval_batch_size|"
        "per_device_eval_batch_size",
        "eval_batch_size|per_device_eval_batch_size|test_batch_size|val_batch_size|valid_batch_size|"
        "inference_batch_size|predict_batch_size|eval_bs",
    ),
    _p(
        "epochs",
        "int",
        "epochs|number of epochs|num_epochs|num_train_epochs|training epochs",
        "epochs|num_epochs|n_epochs|num_train_epochs|max_epochs|train_epochs",
        "epochs|training epochs",
    ),
    _p(
        "max_steps",
        "int",
        "max steps|max_steps|training steps|total steps",
        "max_steps|num_steps|total_steps|num_training_steps|train_steps",
        "training steps|optimization steps|total steps",
    ),
    _p("temperature", "number", "temperature|sampling temperature", "temperature|temp"),
    _p(
        "loss_temperature",
        "number",
        "loss temperature|softmax temperature|contrastive temperature|distillation temperature",
        "loss_temperature|tau|softmax_temperature|distillation_temperature|kd_temperature",
    ),
    _p("top_p", "number", "top-p|top_p|top p|nucleus sampling with p|nucleus sampling", "top_p"),
    _p("top_k", "int", "top-k|top_k|top k", "top_k"),
    _p(
        "max_new_tokens",
        "int",
        "max new tokens|max_new_tokens|maximum new tokens|generation length",
        "max_new_tokens|max_gen_len|max_generation_length|max_tokens|max_output_tokens|"
        "max_completion_tokens|max_tokens_to_sample|max_gen_tokens|num_predict",
        "new tokens",
    ),
    _p(
        "max_length",
        "int",
        "max length|maximum length|max_length|max sequence length|maximum sequence length|max_seq_length|"
        "max_seq_len|max_len|sequence length|context length|truncate to|truncated to",
        "max_length|max_len|max_seq_length|max_seq_len|maxlen|seq_len|seq_length|max_source_length|model_max_length|block_size",
    ),
    _p(
        "padding_side",
        "choice",
        "padding side|padding_side|pad side|padding|pad",
        "padding_side",
        "padding|padded|pad",
        choices="left|right",
    ),
    _p(
        "warmup_ratio",
        "number",
        "warmup ratio|warmup_ratio|warm-up ratio|warmup proportion|warmup|warm-up",
        "warmup_ratio|warmup_proportion|warmup_frac|warmup_fraction",
    ),
    _p(
        "warmup_steps",
        "int",
        "warmup steps|warmup_steps|warm-up steps",
        "warmup_steps|num_warmup_steps|warmup_iters",
        "warmup steps|warm-up steps",
    ),
    _p("weight_decay", "number", "weight decay|weight_decay|weight-decay", "weight_decay|wd"),
    _p(
        "dropout",
        "number",
        "dropout|dropout rate|dropout probability|dropout_rate|dropout_prob",
        "dropout|dropout_rate|dropout_prob|dropout_p|p_dropout|hidden_dropout_prob|drop_rate|hidden_dropout",
    ),
    _p(
        "seed",
        "seeds",
        "random seeds|random seed|seeds|seed|random_state|random state",
        "seed|seeds|random_seed|random_state|rng_seed|global_seed",
    ),
    _p(
        "train_size",
        "number",
        "train split|training split|train size|train_size|train fraction",
        "train_size|train_split|train_ratio|train_frac|train_fraction",
    ),
    _p(
        "val_size",
        "number",
        "validation split|val split|validation size|val_size|validation set size|validation fraction|dev split",
        "val_size|valid_size|validation_size|val_split|validation_split|val_ratio|val_frac|dev_size|"
        "dev_fraction|dev_frac|dev_ratio|dev_split|val_fraction|validation_fraction|valid_frac|"
        "validation_ratio",
    ),
    _p(
        "test_size",
        "number",
        "test split|test size|test set size|test_size|test fraction|held-out test split",
        "test_size|test_split|test_ratio|test_frac|test_fraction",
    ),
    _p(
        "num_samples",
        "int",
        "number of samples|num_samples|sample size|evaluation samples|eval samples|number of examples|max_samples",
        "max_eval_samples|num_eval_samples|eval_samples|n_eval|eval_size|num_test_samples|"
        "max_test_samples|test_samples|num_eval_examples|max_eval_examples",
        "samples|examples|questions|problems|instances|queries|test examples|test queries|evaluation examples|"
        "sentences|validation sentences|test sentences|dev sentences|validation examples|dev examples|"
        "test images|validation images|test pairs|dev queries|validation queries|evaluation queries|"
        "eval queries|dev questions|validation questions|evaluation questions",
    ),
    _p(
        "model_name",
        "model",
        "base model|pretrained model|model name|model_name|model|backbone|checkpoint|encoder|llm",
        "model_name|model_name_or_path|model_id|base_model|pretrained_model_name_or_path|"
        "model_checkpoint|pretrained_model|model|llm_model|llm|embedding_model|embedding_model_name|"
        "embed_model|encoder_name|encoder_model|tokenizer_name|generator_model|teacher_model|"
        "reranker_model|cross_encoder|retriever_model|judge_model",
    ),
    _p("model_size", "model", "", "model_size|model_scale|pythia_size|size_name"),
    _p(
        "gradient_accumulation_steps",
        "int",
        "gradient accumulation steps|gradient accumulation|grad accumulation|gradient_accumulation_steps|"
        "accumulate gradients over|accumulate gradients for|accumulating gradients over",
        "gradient_accumulation_steps|grad_accum_steps|accumulation_steps|grad_accum|accum_steps",
        "gradient accumulation steps|accumulation steps",
    ),
    _p(
        "mixed_precision",
        "choice",
        "mixed precision|mixed-precision|precision|amp dtype",
        "mixed_precision|precision|amp_dtype|autocast_dtype|fp16|bf16|use_fp16|use_bf16",
        "mixed precision|mixed-precision|precision|training|autocast",
        choices="bf16|fp16|fp32|tf32|bfloat16|float16",
    ),
    _p(
        "num_gpus",
        "int",
        "number of GPUs|num_gpus|number of devices",
        "num_gpus|n_gpu|n_gpus|gpus|nproc_per_node|num_devices|devices",
        "GPUs|GPU|A100s|H100s|V100s",
    ),
    _p(
        "max_grad_norm",
        "number",
        "max grad norm|max_grad_norm|gradient clipping|gradient norm clipping|clip norm|clip gradients at|"
        "clip gradients to a norm of|clip gradients to a max norm of|clip gradients to a maximum norm of|"
        "clip gradients to|clip the gradients to|clip the gradients at|clip the gradient norm to|"
        "clip the gradient norm at|clip gradient norm to|clip gradient norm at|gradients clipped to|"
        "gradients are clipped to|gradient norm clipped to|gradient norm is clipped to|max gradient norm|"
        "maximum gradient norm|clip_grad_norm",
        "max_grad_norm|clip_grad_norm|grad_clip|clip_norm|gradient_clip_val|max_norm",
    ),
    _p(
        "optimizer",
        "choice",
        "optimizer|optimiser",
        "optimizer|optim|optimizer_name|optimizer_type",
        "optimizer|optimiser",
        choices="adamw|adam|sgd|adafactor|rmsprop|lion|adagrad",
    ),
    _p(
        "lr_scheduler",
        "choice",
        "learning rate schedule|lr schedule|lr scheduler|scheduler|schedule",
        "lr_scheduler_type|lr_scheduler|scheduler|schedule|scheduler_type",
        "schedule|scheduler|decay|decayed|decaying|annealing|learning rate schedule",
        choices="cosine_with_restarts|constant_with_warmup|linear|cosine|constant|polynomial|exponential",
    ),
    _p(
        "num_beams",
        "int",
        "beam size|num_beams|beam width|number of beams",
        "num_beams|beam_size|beam_width",
        "beams",
    ),
    _p(
        "hidden_size",
        "int",
        "hidden size|hidden dimension|hidden_size|hidden dim|hidden units",
        "hidden_size|hidden_dim|d_model|hidden_units|n_hidden",
    ),
    _p(
        "num_layers",
        "int",
        "number of layers|num_layers|n_layers|layers",
        "num_layers|n_layers|num_hidden_layers",
        "layers|hidden layers|transformer layers",
    ),
    _p("patience", "int", "early stopping patience|patience", "patience|early_stopping_patience"),
    _p(
        "k_folds",
        "int",
        "number of folds|k-fold|n_splits|folds",
        "n_splits|k_folds|num_folds|n_folds",
        "folds|-fold|fold cross-validation",
    ),
    _p(
        "label_smoothing",
        "number",
        "label smoothing|label_smoothing",
        "label_smoothing|label_smoothing_factor",
    ),
    _p("momentum", "number", "momentum", "momentum"),
    _p(
        "eval_split",
        "choice",
        "evaluation split|eval split|evaluation set|eval set",
        "eval_split|eval_split_name|test_split_name|validation_split_name|eval_subset_name",
        choices="validation|valid|val|dev|development|test|testing|training|train",
    ),
    _p(
        "retrieval_top_k",
        "int",
        "retrieval depth|number of retrieved passages|number of retrieved documents",
        "top_k_retrieval|retrieval_k|retrieve_k|k_retrieve|retrieval_top_k|num_retrieved|"
        "n_retrieved|similarity_top_k|search_k|n_results|num_results|top_n|topk|rerank_depth|"
        "retrieval_depth|rerank_k|rerank_top_k|bm25_k|bm25_top_k|bm25_depth|num_candidates|"
        "n_candidates|candidate_depth|search_depth|retrieve_top_k|num_retrieve|n_retrieve",
    ),
    _p(
        "dataset_name",
        "model",
        "dataset|dataset name|benchmark",
        "dataset_name|dataset_id|dataset|hf_dataset|dataset_repo|data_name",
    ),
    *(
        _p(name, "int", f"number of {nouns.split('|')[0]}", _count_names(nouns) + extra, nouns)
        for name, nouns, extra in (
            ("num_passages", "passages|documents|docs", ""),
            ("num_queries", "queries|questions", ""),
            ("num_negatives", "hard negatives|negatives", ""),
            (
                "num_shots",
                "in-context examples|few-shot examples|demonstrations|-shot|shots",
                "|num_fewshot|n_fewshot|fewshot|k_shot",
            ),
            ("n_estimators", "trees|estimators", ""),
            ("n_neighbors", "nearest neighbors|nearest neighbours|neighbors|neighbours", ""),
            ("n_clusters", "clusters", ""),
            ("n_components", "principal components|components", ""),
        )
    ),
)

FRACTIONS = frozenset(
    {
        "train_size",
        "val_size",
        "test_size",
        "dropout",
        "warmup_ratio",
        "top_p",
        "label_smoothing",
        "momentum",
    }
)
"""Parameters whose value is a fraction: anything outside [0, 1] is not a value of theirs."""


def plausible(parameter: str, value: object) -> bool:
    """Whether `value` can be a value of `parameter` (a split of `1.3` is a section number)."""
    if parameter in FRACTIONS and isinstance(value, float):
        return 0.0 <= value <= 1.0
    return True


BY_NAME: dict[str, Parameter] = {parameter.name: parameter for parameter in PARAMETERS}

CODE_NAMES: dict[str, Parameter] = {
    code: parameter for parameter in PARAMETERS for code in sorted(parameter.code)
}
"""Code identifier (lower-case, `_` separated) -> its parameter."""


def code_key(identifier: str) -> str:
    """`--learning-rate` / `self.LR` / `cfg.train.lr` -> `learning_rate` / `lr` / `lr`."""
    last = identifier.rsplit(".", 1)[-1]
    return re.sub(r"[^a-z0-9]+", "_", last.lower()).strip("_")


MODEL_SUFFIXES = ("_model", "_model_name", "_model_id", "_llm")
"""Endings of names that hold a model for one use (`PARAPHRASE_MODEL`, `query_gen_model_name`):
model names when their value looks like one (see `code_values._named_well`)."""


@lru_cache(maxsize=1 << 14)
def parameter_for_code(identifier: str) -> Parameter | None:
    """The parameter a code identifier sets (`lr`, `--learning-rate`), or None (memoized: every
    keyword argument of every call of the phase is asked)."""
    key = code_key(identifier)
    found = CODE_NAMES.get(key)
    if found is None and key.endswith(MODEL_SUFFIXES):
        return BY_NAME["model_name"]
    return found
