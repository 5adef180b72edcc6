# The Python half of the REPL, run once in the child after Pyodide loads ("create_runtime" is its entry point).
# It runs cells in one persistent namespace, captures bounded stdout/stderr, bridges sub-calls through one
# synchronous JS function, detects final answers, restores reserved names, and installs the import guard.
#
# A real .py file so Python tools can check it ("python3 -m py_compile src/sandbox/runtime.py"). The child may
# read only its own dist/ directory and tsc copies no .py files there, so instead of a copy step in every build
# path, "npm run inline-python" writes this file into the committed module python-runtime.ts: turbo, a bare
# "tsc -b" on a fresh clone and the tests' global setup all compile that module with no generator step, and
# test/python-runtime.test.ts fails when it no longer matches this file.
# One file of about 380 lines, not several: the child loads it with a single runPython call.
import ast
import builtins
import inspect
import io
import json
import linecache
import sys
import traceback
import types

_CO_COROUTINE = inspect.CO_COROUTINE
_TOP_LEVEL_AWAIT = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
_ModuleType = types.ModuleType
_dumps = json.dumps
_loads = json.loads

RESERVED = ("context", "llm_query", "llm_batch", "rlm_query", "rlm_batch", "FINAL", "FINAL_VAR")

# Modules that lead to JavaScript, to Pyodide's loader, or to raw memory. This guard is a convenience layer:
# the process-level layers in the child hold even when it is bypassed.
BLOCKED_IMPORTS = frozenset({
    "js", "pyodide_js", "pyodide", "_pyodide", "_pyodide_core", "ctypes", "_ctypes", "micropip",
    "pyodide_http", "webbrowser",
})


class SubcallText(str):
    """A sub-call answer: a str that can also be awaited, so 'await llm_query(p)' and 'llm_query(p)' both work."""

    __slots__ = ()

    def __await__(self):
        return str.__str__(self)
        yield  # makes __await__ a generator; never reached


class SubcallTexts(list):
    """A batch of sub-call answers: a list that can also be awaited."""

    __slots__ = ()

    def __await__(self):
        return list(self)
        yield  # makes __await__ a generator; never reached


class BoundedText(io.TextIOBase):
    """A text sink keeping the head and the tail of what is written, with a count of what was elided."""

    def __init__(self, limit):
        self._head_limit = limit // 2
        self._tail_limit = limit - self._head_limit
        self._head = []
        self._head_len = 0
        self._tail = []
        self._tail_len = 0
        self._elided = 0

    def writable(self):
        return True

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        written = len(text)
        room = self._head_limit - self._head_len
        if room > 0:
            part = text[:room]
            self._head.append(part)
            self._head_len += len(part)
            text = text[room:]
        if text:
            self._tail.append(text)
            self._tail_len += len(text)
            if self._tail_len > 2 * self._tail_limit + 65536:
                self._compact()
        return written

    def _compact(self):
        joined = "".join(self._tail)
        excess = len(joined) - self._tail_limit
        if excess > 0:
            self._elided += excess
            joined = joined[excess:]
        self._tail = [joined]
        self._tail_len = len(joined)

    def getvalue(self):
        self._compact()
        head = "".join(self._head)
        tail = "".join(self._tail)
        if self._elided:
            return f"{head}\n... [{self._elided} characters elided] ...\n{tail}"
        return head + tail


def _safe_str(value):
    if isinstance(value, str):
        return str.__str__(value)
    try:
        return str(value)
    except BaseException:
        try:
            return repr(value)
        except BaseException:
            return f"<unprintable {type(value).__name__}>"


def _safe_repr(value):
    try:
        return repr(value)
    except BaseException as exc:
        return f"<repr of {type(value).__name__} failed: {type(exc).__name__}>"


RUNTIME_FILENAME = "<pylon-runtime>"


def _without_runtime_frames(report, seen=None):
    """Drops this runtime's frames from a traceback report (and its causes), keeping the user's."""
    seen = set() if seen is None else seen
    if report is None or id(report) in seen:
        return report
    seen.add(id(report))
    kept = [frame for frame in report.stack if frame.filename != RUNTIME_FILENAME]
    report.stack = traceback.StackSummary.from_list(kept)
    _without_runtime_frames(report.__cause__, seen)
    _without_runtime_frames(report.__context__, seen)
    return report


def _unavailable(name):
    def refuse(*args, **kwargs):
        raise OSError(f"{name} is not available in the sandbox")

    refuse.__name__ = name.rpartition(".")[2]
    return refuse


# Calls that would tear down the interpreter from below (emscripten exit/abort, process spawning): refuse them
# in Python so model code gets an exception instead of a restart. The process layers stop them regardless.
_PROCESS_CALLS = ("system", "_exit", "abort", "fork", "forkpty", "execv", "execve")


def _refuse_process_calls():
    import os
    import posix

    for module in (os, posix):
        for name in _PROCESS_CALLS:
            if hasattr(module, name):
                setattr(module, name, _unavailable(f"{module.__name__}.{name}"))


class _ImportGuard:
    """First entry of sys.meta_path: refuses the blocked modules whatever route the import takes."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in BLOCKED_IMPORTS:
            raise ImportError(f"import of {fullname!r} is not allowed in the sandbox", name=fullname)
        return None

    def invalidate_caches(self):
        pass


class Runtime:
    def __init__(self, send, max_output_chars, max_batch_size):
        self._send = send
        self._max_output = max_output_chars
        self._max_batch = max_batch_size
        self._final = None
        self._cells = 0
        self._builtins = dict(builtins.__dict__)
        self.namespace = {"__name__": "__main__", "__builtins__": builtins}
        self._reserved = {
            "context": None,
            "llm_query": self._query_function("llm", "llm_query"),
            "llm_batch": self._batch_function("llm", "llm_batch"),
            "rlm_query": self._query_function("rlm", "rlm_query"),
            "rlm_batch": self._batch_function("rlm", "rlm_batch"),
            "FINAL": self._final_function(),
            "FINAL_VAR": self._final_var_function(),
        }
        self.namespace["answer"] = {"content": "", "ready": False}
        self._restore_namespace()

    # ---- sub-calls -------------------------------------------------------------------------------------

    def _dispatch(self, kind, prompts, opts):
        """One host round trip for the whole batch; every failure becomes per-item 'Error: ...' strings."""
        count = len(prompts)
        try:
            request = _dumps({"prompts": prompts, "opts": opts})
        except (TypeError, ValueError) as exc:
            return [f"Error: sub-call options must be JSON-serialisable ({exc})"] * count
        try:
            reply = _loads(self._send(kind, request))
        except Exception as exc:
            return [f"Error: sub-call bridge failed ({type(exc).__name__}: {exc})"] * count
        if type(reply) is not list:
            reply = []
        missing = "Error: the host returned no result for this item"
        answers = [item if type(item) is str else missing for item in reply[:count]]
        return answers + [missing] * (count - len(answers))

    def _subcall(self, kind, prompts, opts):
        results = [None] * len(prompts)
        valid = []
        for index, prompt in enumerate(prompts):
            if isinstance(prompt, str):
                valid.append(index)
            else:
                results[index] = f"Error: prompt {index} must be a str, got {type(prompt).__name__}"
        if valid:
            answers = self._dispatch(kind, [str.__str__(prompts[i]) for i in valid], opts)
            for index, answer in zip(valid, answers):
                results[index] = answer
        return results

    def _query_function(self, kind, name):
        def query(prompt, **opts):
            return SubcallText(self._subcall(kind, [prompt], opts)[0])

        query.__name__ = query.__qualname__ = name
        query.__doc__ = f"{name}(prompt, **opts) -> str: one sub-call; failures come back as 'Error: ...'."
        return query

    def _batch_function(self, kind, name):
        def batch(prompts, **opts):
            if isinstance(prompts, (str, bytes)):
                return SubcallTexts([f"Error: {name} expects a list of prompts, got a single {type(prompts).__name__}"])
            try:
                items = list(prompts)
            except Exception as exc:
                return SubcallTexts([f"Error: {name} could not read its prompts ({type(exc).__name__}: {exc})"])
            if len(items) > self._max_batch:
                message = f"Error: a batch of {len(items)} prompts exceeds the limit of {self._max_batch}"
                return SubcallTexts([message] * len(items))
            return SubcallTexts(self._subcall(kind, items, opts))

        batch.__name__ = batch.__qualname__ = name
        batch.__doc__ = f"{name}(prompts, **opts) -> list[str]: runs all prompts in parallel, answers in order."
        return batch

    # ---- final answers ---------------------------------------------------------------------------------

    def _final_function(self):
        def FINAL(value):
            """Record the final answer (converted with str) and keep running the cell."""
            self._final = {"content": _safe_str(value), "source": "FINAL"}

        return FINAL

    def _final_var_function(self):
        namespace = self.namespace

        def FINAL_VAR(name):
            """Record the value of the variable called name (or the value itself) as the final answer."""
            if isinstance(name, str):
                key = name.strip().strip("'\"").strip()
                if not key.isidentifier() or key not in namespace:
                    raise NameError(f"FINAL_VAR: no variable named {key!r}; define it first or use FINAL(value)")
                value = namespace[key]
            else:
                value = name
            self._final = {"content": _safe_str(value), "source": "FINAL_VAR"}

        return FINAL_VAR

    def _answer_final(self):
        answer = self.namespace.get("answer")
        if type(answer) is not dict or dict.get(answer, "ready") is not True or "content" not in answer:
            return None
        return {"content": _safe_str(dict.get(answer, "content")), "source": "answer"}

    # ---- namespace -------------------------------------------------------------------------------------

    def _restore_namespace(self):
        # Builtins first: the reporting code below relies on them.
        current = builtins.__dict__
        for key, value in self._builtins.items():
            if current.get(key) is not value:
                current[key] = value
        self.namespace["__builtins__"] = builtins
        self.namespace.update(self._reserved)

    def _variables(self):
        names = []
        for key, value in list(self.namespace.items()):
            if type(key) is not str or key in self._reserved:
                continue
            if key.startswith("__") and key.endswith("__"):
                continue
            if issubclass(type(value), _ModuleType):
                continue
            names.append(key)
        return names

    def set_context(self, data, encoding):
        raw = data.to_bytes()
        value = raw.decode("utf-8") if encoding == "text" else _loads(raw)
        del raw
        self._reserved["context"] = value
        self.namespace["context"] = value
        kind = "str" if isinstance(value, str) else "list" if isinstance(value, list) else "dict"
        return _dumps({"type": kind, "length": len(value)})

    # ---- cells -----------------------------------------------------------------------------------------

    async def _execute(self, code, filename, out):
        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
        tree = ast.parse(code, filename, "exec")
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        body = compile(tree, filename, "exec", flags=_TOP_LEVEL_AWAIT, dont_inherit=True)
        outcome = eval(body, self.namespace)
        if body.co_flags & _CO_COROUTINE:
            await outcome
        if last is not None:
            # Like an interactive prompt, show the value of a trailing expression.
            expression = compile(last, filename, "eval", flags=_TOP_LEVEL_AWAIT, dont_inherit=True)
            value = eval(expression, self.namespace)
            if expression.co_flags & _CO_COROUTINE:
                value = await value
            if value is not None:
                out.write(_safe_repr(value) + "\n")

    def _describe(self, exc):
        try:
            text = "".join(_without_runtime_frames(traceback.TracebackException.from_exception(exc)).format())
        except BaseException:
            text = ""
        if len(text) > 20000:
            text = text[:10000] + "\n...\n" + text[-10000:]
        message = _safe_str(exc)
        if isinstance(exc, MemoryError) and not message:
            message = "the interpreter ran out of memory (the sandbox caps its heap)"
        return {"type": type(exc).__name__, "message": message, "traceback": text}

    async def run_cell(self, code):
        self._cells += 1
        self._final = None
        self._restore_namespace()
        out = BoundedText(self._max_output)
        err = BoundedText(self._max_output)
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err
        error = None
        try:
            await self._execute(code, f"<cell {self._cells}>", out)
        except BaseException as exc:
            error = self._describe(exc)
        finally:
            sys.stdout, sys.stderr = saved
        self._restore_namespace()
        final = self._final or self._answer_final()
        self._final = None
        result = {"stdout": out.getvalue(), "stderr": err.getvalue(), "variables": self._variables()}
        if error is not None:
            result["error"] = error
        if final is not None:
            result["final"] = final
        return _dumps(result)

    # ---- lockdown --------------------------------------------------------------------------------------

    def lockdown(self):
        """Hide the JavaScript bridges from model code: guard imports and drop cached modules."""
        sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "JsFinder"]
        sys.meta_path.insert(0, _ImportGuard())
        _refuse_process_calls()
        for name in list(sys.modules):
            if name.partition(".")[0] in BLOCKED_IMPORTS:
                del sys.modules[name]
        self._builtins = dict(builtins.__dict__)


def create_runtime(send, max_output_chars, max_batch_size):
    return Runtime(send, max_output_chars, max_batch_size)
