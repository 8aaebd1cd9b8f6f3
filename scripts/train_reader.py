"""Train the reader (qa/answer/reader.py) on the SQuAD v1.1 train-part, on CPU.

Reproduce:  ./dev.sh python scripts/train_reader.py ../shared/data/squad/squad-v1.1-train-part.rebuilt.json.gz

Every 6th article is held out (it is the slice the fusion weights and thresholds are tuned on);
from the others, each question whose answer lies inside one sentence gives up to three
examples (four with --context):
  * positive: (question, its gold sentence), with the answer's token span;
  * negative: (question, the other sentence of its article sharing most words with it).
  * near miss (most questions): the question rewritten so the gold sentence no longer answers
    it (scripts/near_misses.py), with the gold sentence, as a negative.
With --context (`ReaderConfig.context`; tried, not shipped: docs/quality.md section 10), each
sentence is read after the text it follows (`question_in_context`: the sentence before it in
its paragraph, else the article's title), and the gold sentence's neighbour in its paragraph
is a fourth example, a negative that shares the gold sentence's context but not its answer.
Loss: cross-entropy of the start and end tokens (positives) + binary cross-entropy of the
"answers it" head (both). Only LoRA factors and the heads train (seeded, single thread order),
and they are written to qa/data/reader/ every 100 steps, so a stopped run leaves usable weights.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qa.answer.reader_config import (  # noqa: E402
    CONFIG_FILE,
    DEFAULT_READER_DIR,
    WEIGHTS_FILE,
    ReaderConfig,
    question_in_context,
)
from qa.answer.reader_network import (  # noqa: E402
    adapter_weights,
    add_adapters,
    build_network,
    load_trainable,
    read_weights,
    write_weights,
)
from qa.index.tokenize import tokenize  # noqa: E402
from qa.ingest.splitting import split_sentences  # noqa: E402
from scripts.near_misses import names, near_miss  # noqa: E402

Example = tuple[str, str, tuple[int, int] | None]  # question, sentence, answer span in sentence


Sentence = tuple[int, Any, str]  # paragraph number, span in the paragraph, text


def examples(
    data: dict, every: int, seed: int, near_misses: bool = True, context: bool = False
) -> list[list[Example]]:
    """Per question: the positive, the negative and, where one applies, a near miss (the
    question rewritten so the gold sentence no longer answers it, see near_misses.py),
    from the articles outside the every-`every`th tuning slice. With `context`, each
    sentence is read after its context (`question_in_context`: the sentence before it in
    its paragraph, else the article's title), and the gold sentence's neighbour in its
    paragraph is a further negative (it shares the context, not the answer)."""
    rng = random.Random(seed)
    groups = []
    for number, article in enumerate(data["data"]):
        if number % every == 0:
            continue
        sentences: list[Sentence] = []
        for p, paragraph in enumerate(article["paragraphs"]):
            text = paragraph["context"]
            sentences += [(p, s, text[s.start : s.end]) for s in split_sentences(text)]
        title = article["title"].replace("_", " ")
        follows = (
            [
                sentences[i - 1][2] if i and sentences[i - 1][0] == p else title
                for i, (p, _, _) in enumerate(sentences)
            ]
            if context
            else None
        )
        article_names = list(dict.fromkeys(n for _, _, text in sentences for n in names(text)))
        words = [set(tokenize(text)) for _, _, text in sentences]
        for p, paragraph in enumerate(article["paragraphs"]):
            for qa in paragraph["qas"]:
                group = _question_group(qa, p, sentences, words, follows)
                if group is None:
                    continue
                miss = (
                    near_miss(qa["question"], group[0][1], article_names, rng)
                    if near_misses
                    else None
                )
                if miss is not None:
                    group.append((_asked(miss, group[0][0], qa["question"]), group[0][1], None))
                groups.append(group)
    rng.shuffle(groups)
    return groups


def _question_group(
    qa: dict, p: int, sentences: list[Sentence], words: list[set[str]], follows: list[str] | None
) -> list[Example] | None:
    """The positive, the sentence sharing most words with the question (negative) and, when
    reading with context, the gold sentence's neighbour in its paragraph (negative)."""
    answer = qa["answers"][0]
    start, end = answer["answer_start"], answer["answer_start"] + len(answer["text"])
    g = next(
        (i for i, (q, s, _) in enumerate(sentences) if q == p and s.start <= start <= end <= s.end),
        None,
    )
    if g is None:
        return None
    terms = set(tokenize(qa["question"]))
    negative = max(
        (i for i in range(len(sentences)) if i != g),
        key=lambda i: (len(terms & words[i]), -i),
        default=None,
    )
    if negative is None:
        return None

    def asked(i: int) -> str:
        return question_in_context(qa["question"], follows[i]) if follows else qa["question"]

    span = sentences[g][1]
    group: list[Example] = [
        (asked(g), sentences[g][2], (start - span.start, end - span.start)),
        (asked(negative), sentences[negative][2], None),
    ]
    neighbour = next(
        (
            i
            for i in (g - 1, g + 1)
            if 0 <= i < len(sentences)
            and sentences[i][0] == p
            and i != negative
            and answer["text"] not in sentences[i][2]
        ),
        None,
    )
    if follows and neighbour is not None:
        group.append((asked(neighbour), sentences[neighbour][2], None))
    return group


def _asked(rewritten: str, positive: str, question: str) -> str:
    """`rewritten` read as the positive was: after the same context, if any."""
    return positive.replace(question, rewritten, 1)


def encode(tokenizer, batch: list[Example], max_length: int, context: bool = False):  # noqa: ANN001, ANN201
    encoded = tokenizer(
        [q for q, _, _ in batch],
        [s for _, s, _ in batch],
        # With context the first segment may be the longer one: cut it (its context's end) too.
        truncation="longest_first" if context else "only_second",
        max_length=max_length,
        padding=True,
        return_offsets_mapping=True,
        return_tensors="pt",
    )
    offsets = encoded.pop("offset_mapping").tolist()
    mask = torch.zeros(encoded["input_ids"].shape, dtype=torch.bool)
    starts, ends, has_span = [], [], []
    for i, (_, _, span) in enumerate(batch):
        ids = encoded.sequence_ids(i)
        tokens = [t for t, sid in enumerate(ids) if sid == 1]
        mask[i, tokens] = True
        first = last = None
        if span is not None:
            first = next((t for t in tokens if offsets[i][t][1] > span[0]), None)
            last = next((t for t in reversed(tokens) if offsets[i][t][0] < span[1]), None)
        ok = first is not None and last is not None and first <= last
        starts.append(first if ok else 0)
        ends.append(last if ok else 0)
        has_span.append(ok)
    return encoded, mask, torch.tensor(starts), torch.tensor(ends), torch.tensor(has_span)


def loss_of(  # noqa: ANN001
    network, tokenizer, batch: list[Example], config: ReaderConfig, answer_weight: float = 1.0
) -> torch.Tensor:
    encoded, mask, starts, ends, has_span = encode(
        tokenizer, batch, config.max_length, config.context
    )
    start_logits, end_logits, answer_logit = network(**encoded)
    labels = torch.tensor([span is not None for _, _, span in batch], dtype=torch.float32)
    loss = answer_weight * F.binary_cross_entropy_with_logits(answer_logit, labels)
    if has_span.any():
        start_logits = start_logits.masked_fill(~mask, -1e4)[has_span]
        end_logits = end_logits.masked_fill(~mask, -1e4)[has_span]
        loss = (
            loss
            + (
                F.cross_entropy(start_logits, starts[has_span])
                + F.cross_entropy(end_logits, ends[has_span])
            )
            / 2
        )
    return loss


def save(output: Path, network, config: ReaderConfig, runs: list[dict]) -> None:  # noqa: ANN001
    """Write the trainable weights and the config with every training run behind them."""
    output.mkdir(parents=True, exist_ok=True)
    write_weights(output / WEIGHTS_FILE, adapter_weights(network))
    (output / CONFIG_FILE).write_text(
        json.dumps({**config.to_json(), "training": {"runs": runs}}, indent=2) + "\n",
        encoding="utf-8",
    )


def earlier_runs(init: Path | None) -> list[dict]:
    """The training runs recorded with the weights a run starts from."""
    if init is None:
        return []
    training = json.loads((init / CONFIG_FILE).read_text(encoding="utf-8")).get("training", {})
    return training.get("runs", [training] if training else [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train", type=Path)
    parser.add_argument("--output", type=Path, default=DEFAULT_READER_DIR)
    parser.add_argument("--steps", type=int, default=1200)
    parser.add_argument("--questions-per-step", type=int, default=12)
    parser.add_argument("--stop-after", type=int, help="stop after this many steps")
    parser.add_argument("--no-near-misses", action="store_true", help="train without near misses")
    parser.add_argument("--init", type=Path, help="start from the weights of a reader folder")
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument(
        "--answer-weight", type=float, default=1.0, help="weight of the 'answers it' loss"
    )
    parser.add_argument("--minutes", type=float, default=60.0, help="stop early after this long")
    parser.add_argument("--every", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--context",
        action="store_true",
        help="read each sentence after the one before it (or its title): ReaderConfig.context",
    )
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    raw = args.train.read_bytes()
    data = json.loads(gzip.decompress(raw) if args.train.suffix == ".gz" else raw)
    pairs = examples(
        data, args.every, args.seed, near_misses=not args.no_near_misses, context=args.context
    )
    misses = sum(group[-1][1] == group[0][1] for group in pairs)
    print(
        f"{len(pairs)} questions with a one-sentence answer outside the tuning slice, "
        f"{misses} with a near miss",
        flush=True,
    )

    config = ReaderConfig(context=args.context)
    network, tokenizer = build_network(config)
    parameters = add_adapters(network, config)
    if args.init:
        load_trainable(network, read_weights(args.init / WEIGHTS_FILE))
    optimizer = torch.optim.AdamW(parameters, lr=args.lr, weight_decay=0.01)
    warmup = max(1, args.steps // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda s: min((s + 1) / warmup, max(0.0, (args.steps - s) / (args.steps - warmup))),
    )
    meta = {
        "data_sha256": hashlib.sha256(raw).hexdigest()[:16],
        "held_out": f"every {args.every}th article",
        "seed": args.seed,
        "lr": args.lr,
        "questions_per_step": args.questions_per_step,
        "init": str(args.init) if args.init else None,
        "planned_steps": args.steps,
        "near_misses": not args.no_near_misses,
        "answer_weight": args.answer_weight,
        "context": args.context,
    }
    earlier = earlier_runs(args.init)
    network.train()
    started, running = time.time(), 0.0
    n = args.questions_per_step
    for step in range(args.steps):
        chunk = pairs[(step * n) % len(pairs) :][:n]
        batch = [example for group in chunk for example in group]
        loss = loss_of(network, tokenizer, batch, config, args.answer_weight)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        running = 0.98 * running + 0.02 * loss.item() if step else loss.item()
        minutes = (time.time() - started) / 60
        done = step + 1 in (args.steps, args.stop_after) or minutes > args.minutes
        if (step + 1) % 100 == 0 or done:
            run = {**meta, "steps": step + 1, "questions": (step + 1) * n}
            save(args.output, network, config, [*earlier, run])
            print(f"step {step + 1}/{args.steps} loss {running:.3f} {minutes:.1f} min", flush=True)
        if done:
            break


if __name__ == "__main__":
    main()
