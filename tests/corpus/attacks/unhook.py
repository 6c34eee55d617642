"""Switch the grader's audit hook off from inside, as a learner who has read the grader's source
would: its state is found by introspection (what it is, not what it is called today)."""

import gc
import os
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
LIBRARIES = tuple(os.path.dirname(module.__file__) for module in (os, types))


def _noop_like(function):
    """A do-nothing body with the same free variables, which `__code__` assignment asks for."""
    names = function.__code__.co_freevars
    source = "def outer():\n" + "".join(f"    {name} = None\n" for name in names)
    source += "    def inner(event, args):\n        " + ("; ".join(names) or "pass") + "\n        return None\n"
    source += "    return inner\n"
    scope = {}
    exec(source, scope)
    return scope["outer"]().__code__.replace(co_freevars=names)


def everything_allowed():
    """Neuter every closure of two arguments defined in the grader's own files (the audit hook is
    one), widen every list of folders that holds ours, and empty every table of refusals."""
    gc.unfreeze()  # what a fork server froze, gc.get_objects() would not list
    for thing in gc.get_objects():
        if isinstance(thing, types.FunctionType) and thing.__closure__:
            where = thing.__code__.co_filename
            if where.startswith(HERE) or where.startswith(LIBRARIES) or "<" in where:
                continue
            for cell in thing.__closure__:
                try:
                    value = cell.cell_contents
                except ValueError:
                    continue
                if isinstance(value, list) and any(isinstance(v, str) and HERE.startswith(v) for v in value):
                    cell.cell_contents = ["/"]
            if thing.__code__.co_argcount == 2:
                try:
                    thing.__code__ = _noop_like(thing)
                except (ValueError, TypeError):
                    pass
        elif isinstance(thing, dict) and thing and all(isinstance(k, str) for k in thing):
            keys = list(thing)
            if any(k.startswith("os.") and "." in k for k in keys[:5]) or "torch" in keys:
                thing.clear()
        elif isinstance(thing, (set, frozenset)) and "numpy" in thing and "os" in thing:
            if isinstance(thing, set):
                thing.update({"ctypes", "_ctypes", "graders", "solutions", "torch"})


def grader_root():
    """The course folder, from the worker's own command line (its script lives in graders/)."""
    for word in sys.argv:
        if word.endswith(".py") and os.sep + "graders" + os.sep in word:
            return word[: word.index(os.sep + "graders" + os.sep)]
    return None


def grader_pid():
    """The grader's pid: the fork server's command line names it (--for); else the parent."""
    if "--for" in sys.argv:
        return int(sys.argv[sys.argv.index("--for") + 1])
    return os.getppid()


def attempt(what, thunk):
    """Try it; say what happened (the tests read these lines in the report)."""
    try:
        result = thunk()
        return f"{what}: DONE {result!r}"[:200]
    except BaseException as err:  # refused, as it should be
        return f"{what}: refused ({type(err).__name__})"


everything_allowed()
