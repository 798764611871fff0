"""Reading the exercise cells' code for the editions (``tools/editions.py``): which ``answer_*``
names a cell assigns or reads, the expressions of the solutions, whether a check cell could show an
answer, and the student edition's code of a solution or check cell."""

from __future__ import annotations

import ast
import io
import re
import tokenize

ANSWER_PREFIX = "answer_"
NOT_ANSWERED = "not answered yet"
CODE_HEADER = "# YOUR CODE HERE: replace each None by your answer"
PLACEHOLDER_LINE = re.compile(rf"^{ANSWER_PREFIX}\w+ ?= ?None$")
TOOL_COMMENT = re.compile(r"^(NBVAL_|noqa|fmt:|type:|pragma)", re.IGNORECASE)


def _python(code: str) -> str:
    """The cell's code as plain Python (IPython's ``%magic`` / ``!shell`` lines transformed)."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return code
    return TransformerManager().transform_cell(code)


def parse_code(code: str) -> ast.Module | None:
    try:
        return ast.parse(_python(code))
    except SyntaxError:
        return None


def assigned_names(code: str) -> list[str]:
    """Names the code binds at module level (not inside functions, classes or comprehensions),
    in the order of their first binding; ``def``/``class`` names included."""
    tree = parse_code(code)
    if tree is None:  # not Python: fall back to plain ``name = ...`` lines
        return list(dict.fromkeys(re.findall(r"^(\w+)\s*=[^=]", code, flags=re.MULTILINE)))
    found: list[tuple[int, int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.append((node.lineno, node.col_offset, node.name))
            return
        if isinstance(
            node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
        ):
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.append((node.lineno, node.col_offset, node.id))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return list(dict.fromkeys(name for _, _, name in sorted(found)))


def answer_names(code: str) -> list[str]:
    """The ``answer_*`` names the code assigns at module level, in order."""
    return [n for n in assigned_names(code) if n.startswith(ANSWER_PREFIX)]


def read_answer_names(code: str) -> list[str]:
    """The ``answer_*`` names the code reads (anywhere, functions included) and does not assign
    at module level itself, in order of appearance."""
    tree = parse_code(code)
    if tree is None:
        used = re.findall(rf"\b({ANSWER_PREFIX}\w+)\b", code)
    else:
        nodes = [
            n for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
        ]
        nodes.sort(key=lambda n: (n.lineno, n.col_offset))
        used = [n.id for n in nodes if n.id.startswith(ANSWER_PREFIX)]
    own = set(assigned_names(code))
    return [n for n in dict.fromkeys(used) if n not in own]


def answer_expressions(code: str) -> list[str]:
    """The source text of each expression assigned to an ``answer_*`` name at module level
    (``None`` placeholders left out)."""
    tree = parse_code(code)
    if tree is None:
        return []
    text = _python(code)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
            if any(n.startswith(ANSWER_PREFIX) for n in names):
                if isinstance(node.value, ast.Constant) and node.value.value is None:
                    continue
                segment = ast.get_source_segment(text, node.value)
                if segment:
                    out.append(segment)
    return out


CHECK_FUNCTION = "check_answer"


def _is_digest_check(call: ast.AST) -> bool:
    """``check_answer("<exercise>", <answer>, "<digest>"[, digits=<int>])`` with literals only."""
    if not isinstance(call, ast.Call):
        return False
    func = call.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    if name != CHECK_FUNCTION or len(call.args) != 3:
        return False
    exercise, _, digest = call.args
    literals = [exercise, digest, *(k.value for k in call.keywords)]
    return all(isinstance(v, ast.Constant) for v in literals) and all(
        k.arg == "digits" for k in call.keywords
    )


def revealing_answer_uses(code: str) -> list[str]:
    """The ``answer_*`` names a check cell uses other than as the answer of a digest check
    (:func:`_is_digest_check`): a comparison, an expression or a call that could show what the
    answer is. Unparsable code counts every name it reads."""
    tree = parse_code(code)
    if tree is None:
        return read_answer_names(code)
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if _is_digest_check(node) and isinstance(node.args[1], ast.Name):
            allowed.add(id(node.args[1]))
    return list(
        dict.fromkeys(
            n.id
            for n in ast.walk(tree)
            if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Load)
            and n.id.startswith(ANSWER_PREFIX)
            and id(n) not in allowed
        )
    )


def code_comments(code: str) -> list[tuple[int, int, str]]:
    """(row, column, text) of every ``#`` comment; empty when the code does not tokenize."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    return [(t.start[0], t.start[1], t.string) for t in tokens if t.type == tokenize.COMMENT]


def indent_code(code: str, prefix: str = "    ") -> str:
    """Indent every non-blank line of ``code`` by ``prefix``, except the continuation lines of
    multi-line string literals (their text must not change)."""
    lines = code.splitlines(keepends=True)
    protected: set[int] = set()  # 0-based indexes of lines inside a multi-line string
    fstring_start = getattr(tokenize, "FSTRING_START", None)
    fstring_end = getattr(tokenize, "FSTRING_END", None)
    open_fstrings: list[int] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
                protected.update(range(tok.start[0], tok.end[0]))
            elif fstring_start is not None and tok.type == fstring_start:
                open_fstrings.append(tok.start[0])
            elif fstring_end is not None and tok.type == fstring_end and open_fstrings:
                protected.update(range(open_fstrings.pop(), tok.end[0]))
    except (tokenize.TokenError, SyntaxError):
        pass
    return "".join(
        prefix + line if line.strip() and i not in protected else line
        for i, line in enumerate(lines)
    )
