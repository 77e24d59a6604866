"""The codebook: an editable YAML file of dimensions → families → codes → child codes.

Researchers change codebooks, so the codebook is data, not code: every coder reads
definitions, example phrases and lexicon patterns from it, and a user-supplied
file replaces the built-in one (``coding.codebook`` in the settings). Because
people edit it by hand, loading validates everything and names the file and the
*line* of each problem (YAML node marks are kept by composing the document before
validating it), so a typo never surfaces as a silent miss or a traceback.

A child code counts for its parent everywhere (SPEC §2): :meth:`Codebook.rollup`
adds ancestors, :meth:`Codebook.root` gives the top-level code a child folds into.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import ExitlensError

DEFAULT_PATTERN_WEIGHT = 0.6
_GAP = " ... "
_GAP_RE = r"(?:\W+[\w'-]+){0,6}?\W+"
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")

# One-to-one replacements (same length), so offsets in the normalised text are the
# offsets in the stored text.
_QUOTE_MAP = str.maketrans({"’": "'", "‘": "'", "´": "'", "`": "'", "“": '"', "”": '"', "„": '"'})


def normalize_quotes(text: str) -> str:
    """Curly quotes → straight ones, character for character (offsets unchanged)."""
    return text.translate(_QUOTE_MAP)


class CodebookError(ExitlensError):
    """A codebook file cannot be read or is invalid; ``where`` names file and line."""

    code = "codebook_invalid"


# --------------------------------------------------------------------------- schema


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PatternSpec(_Strict):
    """A lexicon pattern with the weight one hit alone gives its code."""

    re: str
    weight: float = Field(DEFAULT_PATTERN_WEIGHT, ge=0.0, le=1.0)


class CodeSpec(_Strict):
    id: str
    label: str
    definition: str = ""
    include: str = ""
    exclude: str = ""
    examples: list[str] = Field(default_factory=list)
    patterns: list[str | PatternSpec] = Field(default_factory=list)
    children: list[CodeSpec] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id_format(cls, value: str) -> str:
        if not _ID_RE.match(value):
            raise ValueError("ids are lowercase letters, digits and underscores, "
                             "starting with a letter")
        return value


class FamilySpec(_Strict):
    id: str
    label: str
    description: str = ""
    codes: list[CodeSpec]


class DimensionSpec(_Strict):
    id: str
    label: str
    description: str = ""
    cues: list[str] = Field(default_factory=list)
    families: list[FamilySpec] = Field(default_factory=list)
    codes: list[CodeSpec] = Field(default_factory=list)


class CodebookSpec(_Strict):
    version: int = 1
    name: str = "codebook"
    dimensions: list[DimensionSpec]


# --------------------------------------------------------------------------- compiled form


@dataclass(frozen=True)
class Pattern:
    """A compiled lexicon pattern."""

    source: str
    regex: re.Pattern[str]
    weight: float


@dataclass
class Code:
    """One code with its place in the hierarchy."""

    id: str
    label: str
    dimension: str
    family: str | None
    parent: str | None
    definition: str = ""
    include: str = ""
    exclude: str = ""
    examples: tuple[str, ...] = ()
    patterns: tuple[Pattern, ...] = ()
    children: tuple[str, ...] = ()
    line: int | None = None

    def prototype_texts(self) -> list[str]:
        """Texts that stand for the code in embedding space: definition plus examples."""
        texts = [f"{self.label}: {self.definition}".strip()] if self.definition else [self.label]
        texts.extend(self.examples)
        return texts


@dataclass
class Dimension:
    id: str
    label: str
    description: str
    cues: tuple[Pattern, ...]
    families: dict[str, str] = field(default_factory=dict)  # family id → label
    codes: list[str] = field(default_factory=list)  # top-level code ids, in file order


def compile_pattern(source: str, weight: float = DEFAULT_PATTERN_WEIGHT) -> Pattern:
    """Compile a lexicon pattern: whole words, case-insensitive, `` ... `` = short gap."""
    body = _GAP_RE.join(f"(?:{part})" for part in source.split(_GAP))
    regex = re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)
    return Pattern(source, regex, weight)


class Codebook:
    """A validated codebook: codes by id plus the hierarchy queries every table needs."""

    def __init__(self, spec: CodebookSpec, source: str = "<codebook>",
                 lines: dict[str, int] | None = None):
        self.spec = spec
        self.source = source
        self.name = spec.name
        self.version = spec.version
        self.codes: dict[str, Code] = {}
        self.dimensions: dict[str, Dimension] = {}
        self._fingerprint: str | None = None
        lines = lines or {}
        for dim in spec.dimensions:
            cues = tuple(compile_pattern(c) for c in dim.cues)
            d = Dimension(dim.id, dim.label, dim.description, cues)
            self.dimensions[dim.id] = d
            for fam in dim.families:
                d.families[fam.id] = fam.label
                for code in fam.codes:
                    self._add(code, dim.id, fam.id, None, lines)
                    d.codes.append(code.id)
            for code in dim.codes:
                self._add(code, dim.id, None, None, lines)
                d.codes.append(code.id)

    def _add(self, spec: CodeSpec, dim: str, fam: str | None, parent: str | None,
             lines: dict[str, int]) -> None:
        patterns = tuple(
            compile_pattern(p) if isinstance(p, str) else compile_pattern(p.re, p.weight)
            for p in spec.patterns
        )
        self.codes[spec.id] = Code(
            id=spec.id, label=spec.label, dimension=dim, family=fam, parent=parent,
            definition=" ".join(spec.definition.split()), include=spec.include,
            exclude=spec.exclude, examples=tuple(spec.examples), patterns=patterns,
            children=tuple(c.id for c in spec.children), line=lines.get(spec.id),
        )
        for child in spec.children:
            self._add(child, dim, fam, spec.id, lines)

    # ---------------------------------------------------------------- hierarchy
    def __contains__(self, code_id: object) -> bool:
        return code_id in self.codes

    def __iter__(self) -> Iterator[Code]:
        return iter(self.codes.values())

    def __len__(self) -> int:
        return len(self.codes)

    def get(self, code_id: str) -> Code:
        try:
            return self.codes[code_id]
        except KeyError:
            raise CodebookError(f"unknown code {code_id!r}", where=self.source) from None

    def ancestors(self, code_id: str) -> list[str]:
        """Parent, grandparent… of a code (nearest first); [] for a top-level code."""
        out: list[str] = []
        parent = self.get(code_id).parent
        while parent is not None:
            out.append(parent)
            parent = self.codes[parent].parent
        return out

    def root(self, code_id: str) -> str:
        """The top-level code a (possibly nested) code counts for."""
        chain = self.ancestors(code_id)
        return chain[-1] if chain else code_id

    def rollup(self, code_ids: Iterable[str]) -> set[str]:
        """The codes plus every ancestor: what a set of codings counts for in tables.

        Unknown ids are kept as they are (gold files may carry codes a custom
        codebook lacks; they must still count as misses, not vanish).
        """
        out: set[str] = set()
        for cid in code_ids:
            out.add(cid)
            if cid in self.codes:
                out.update(self.ancestors(cid))
        return out

    def family_of(self, code_id: str) -> str | None:
        return self.get(code_id).family

    def dimension_of(self, code_id: str) -> str:
        return self.get(code_id).dimension

    def codes_in(self, dimension: str | None = None, *, top_level: bool = False) -> list[str]:
        """Code ids in file order, optionally of one dimension / only top-level ones."""
        return [
            c.id for c in self.codes.values()
            if (dimension is None or c.dimension == dimension)
            and (not top_level or c.parent is None)
        ]

    def families(self, dimension: str | None = None) -> dict[str, list[str]]:
        """Family id → its top-level codes (children count through their parents)."""
        out: dict[str, list[str]] = {}
        for c in self.codes.values():
            if c.family is None or c.parent is not None:
                continue
            if dimension is not None and c.dimension != dimension:
                continue
            out.setdefault(c.family, []).append(c.id)
        return out

    def fingerprint(self) -> str:
        """Short hash of the codebook's content: models trained on another codebook differ.
        Computed once (a codebook is built from its spec and never changed afterwards; the
        YAML rendering behind the hash costs about half a second)."""
        if self._fingerprint is None:
            blob = codebook_to_yaml(self).encode("utf-8")
            self._fingerprint = hashlib.sha256(blob).hexdigest()[:16]
        return self._fingerprint

    # ---------------------------------------------------------------- rendering
    def as_rows(self) -> list[dict[str, Any]]:
        """One row per code: what ``exitlens codebook show --format json`` prints."""
        rows = []
        for c in self.codes.values():
            depth = len(self.ancestors(c.id))
            rows.append({
                "id": c.id, "label": c.label, "dimension": c.dimension, "family": c.family,
                "parent": c.parent, "depth": depth, "definition": c.definition,
                "examples": len(c.examples), "patterns": len(c.patterns),
            })
        return rows

    def as_table(self, width: int = 100) -> str:
        """Plain-text rendering, grouped by dimension and family, children indented."""
        lines = [f"{self.name} (version {self.version}, {len(self.codes)} codes)"]
        for dim in self.dimensions.values():
            lines.append("")
            lines.append(f"== {dim.id}: {dim.label}")
            current_family: str | None = "\0"
            for cid in self.codes_in(dim.id):
                code = self.codes[cid]
                if code.family != current_family and code.parent is None:
                    current_family = code.family
                    if code.family is not None:
                        lines.append(f"  -- {code.family}: {dim.families.get(code.family, '')}")
                indent = "    " + "  " * len(self.ancestors(cid))
                head = f"{indent}{code.id:<24} {code.label}"
                lines.append(head[:width])
                if code.definition:
                    lines.append(_wrap(code.definition, indent + "    ", width))
        return "\n".join(lines)


def _wrap(text: str, indent: str, width: int) -> str:
    words = text.split()
    out: list[str] = []
    line = indent
    for word in words:
        if len(line) + len(word) + 1 > width and line.strip():
            out.append(line.rstrip())
            line = indent
        line += word + " "
    if line.strip():
        out.append(line.rstrip())
    return "\n".join(out)


# --------------------------------------------------------------------------- loading


def default_codebook_path() -> Path:
    return Path(str(resources.files("exitlens").joinpath("data/codebook.yaml")))


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Load and validate a codebook file (the built-in one when ``path`` is None)."""
    p = Path(path) if path is not None else default_codebook_path()
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise CodebookError(f"cannot read codebook: {exc.strerror or exc}", where=str(p)) from None
    return parse_codebook(text, source=str(p))


def parse_codebook(text: str, source: str = "<codebook>") -> Codebook:
    """Validate codebook YAML text; every error names ``source`` and a line number."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise _error(source, line, f"not valid YAML: {problem}") from None
    if root is None:
        raise _error(source, 1, "the codebook is empty")
    _check_duplicate_keys(root, source)
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise _error(source, _line(root), "the top level must be a mapping with `dimensions`")
    try:
        spec = CodebookSpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        # Pydantic reports union alternatives as extra loc items; keep the data path.
        loc = tuple(x for x in loc if not (isinstance(x, str) and x in ("str", "PatternSpec")))
        line = _line_at(root, loc)
        what = ".".join(str(x) for x in loc) or "codebook"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = f"unknown key {loc[-1]!r}"
        elif err["type"] == "missing":
            msg = f"missing required key {loc[-1]!r}"
        raise _error(source, line, f"{what}: {msg}") from None
    lines = _code_lines(root)
    _check_semantics(spec, source, root, lines)
    return Codebook(spec, source=source, lines=lines)


def _error(source: str, line: int | None, message: str) -> CodebookError:
    # "file:LINE" in ``where`` is how editors and the CLI point at the line.
    where = f"{source}:{line}" if line is not None else source
    return CodebookError(message, where=where)


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _line_at(root: yaml.Node, loc: Sequence[Any]) -> int:
    """Line of the deepest node reachable along ``loc`` (a key path from pydantic)."""
    node = root
    line = _line(root)
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    line = _line(key)
                    node = value
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
            line = _line(node)
        else:
            return line
    return line


def _check_duplicate_keys(node: yaml.Node, source: str) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if key.value in seen:
                raise _error(source, _line(key), f"duplicate key {key.value!r}")
            seen.add(key.value)
            _check_duplicate_keys(value, source)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_duplicate_keys(item, source)


def _walk_code_nodes(node: yaml.Node) -> Iterator[tuple[str, yaml.Node]]:
    """Every mapping under a ``codes``/``children`` list, with its id, in file order."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value in ("codes", "children") and isinstance(value, yaml.SequenceNode):
                for item in value.value:
                    if isinstance(item, yaml.MappingNode):
                        ident = next(
                            (v.value for k, v in item.value
                             if k.value == "id" and isinstance(v, yaml.ScalarNode)), None)
                        if ident is not None:
                            yield str(ident), item
            yield from _walk_code_nodes(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _walk_code_nodes(item)


def _code_lines(root: yaml.Node) -> dict[str, int]:
    lines: dict[str, int] = {}
    for ident, node in _walk_code_nodes(root):
        lines.setdefault(ident, _line(node))
    return lines


def _check_semantics(spec: CodebookSpec, source: str, root: yaml.Node,
                     lines: dict[str, int]) -> None:
    """Checks pydantic cannot express: unique ids, compilable patterns, non-empty."""
    all_nodes = sorted(_walk_code_nodes(root), key=lambda pair: _line(pair[1]))
    if not spec.dimensions or not all_nodes:
        raise _error(source, _line(root), "the codebook defines no codes")
    seen: dict[str, int] = {}
    parents: dict[str, str] = {}

    def visit(code: CodeSpec, parent: str | None) -> None:
        if parent is not None:
            parents[code.id] = parent
        for child in code.children:
            visit(child, code.id)

    for dim in spec.dimensions:
        for fam in dim.families:
            for code in fam.codes:
                visit(code, None)
        for code in dim.codes:
            visit(code, None)
    for ident, node in all_nodes:
        line = _line(node)
        if ident in seen:
            kind = "child code id" if parents.get(ident) is not None else "code id"
            raise _error(source, line,
                         f"duplicate {kind} {ident!r} (first defined on line {seen[ident]})")
        seen[ident] = line
    group_ids: dict[str, str] = {}
    for dim in spec.dimensions:
        for ident, kind in [(dim.id, "dimension")] + [(f.id, "family") for f in dim.families]:
            if ident in seen:
                raise _error(source, seen[ident],
                             f"code id {ident!r} clashes with a {kind} of the same name")
            group_ids.setdefault(ident, kind)
    # Patterns: compile each and point at its own line.
    for ident, node in all_nodes:
        for key, value in node.value:
            if key.value != "patterns" or not isinstance(value, yaml.SequenceNode):
                continue
            for item in value.value:
                pattern, where = _pattern_source(item)
                if pattern is None:
                    continue
                if pattern != pattern.strip():
                    # patterns are wrapped in word boundaries, so an edge space could only
                    # ever match at the end of a sentence: a silent dead pattern
                    raise _error(source, where, f"code {ident!r}: pattern {pattern!r} starts "
                                 "or ends with a space; remove it (patterns match whole "
                                 "words already)")
                try:
                    compile_pattern(pattern)
                except re.error as exc:
                    raise _error(source, where,
                                 f"code {ident!r}: bad pattern {pattern!r}: {exc}") from None
    for dim_node_key, dim in zip(_dimension_nodes(root), spec.dimensions, strict=False):
        for cue in dim.cues:
            try:
                compile_pattern(cue)
            except re.error as exc:
                raise _error(source, dim_node_key,
                             f"dimension {dim.id!r}: bad cue pattern {cue!r}: {exc}") from None


def _pattern_source(item: yaml.Node) -> tuple[str | None, int]:
    if isinstance(item, yaml.ScalarNode):
        return str(item.value), _line(item)
    if isinstance(item, yaml.MappingNode):
        for k, v in item.value:
            if k.value == "re" and isinstance(v, yaml.ScalarNode):
                return str(v.value), _line(v)
    return None, _line(item)


def _dimension_nodes(root: yaml.Node) -> list[int]:
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if key.value == "dimensions" and isinstance(value, yaml.SequenceNode):
            return [_line(v) for v in value.value]
    return []


# --------------------------------------------------------------------------- writing


def codebook_to_yaml(codebook: Codebook) -> str:
    """The codebook as YAML that :func:`parse_codebook` reads back to the same codebook."""
    data = codebook.spec.model_dump(mode="json", exclude_defaults=False)

    def clean(obj: Any) -> Any:
        if isinstance(obj, dict):
            out = {k: clean(v) for k, v in obj.items()}
            if "weight" in out and "re" in out and out["weight"] == DEFAULT_PATTERN_WEIGHT:
                return out["re"]
            # Drop empty optional values; a family's `codes` is required even when empty.
            return {k: v for k, v in out.items()
                    if v not in ("", [], None) or (k == "codes" and "families" not in out)}
        if isinstance(obj, list):
            return [clean(x) for x in obj]
        return obj

    return yaml.safe_dump(clean(data), sort_keys=False, allow_unicode=True, width=100)
