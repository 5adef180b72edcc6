// Generated from runtime.py by scripts/inline-python.mjs: edit runtime.py, then npm run inline-python.
// One string, as long as runtime.py (see its header for why the Python is inlined).
export const PYTHON_RUNTIME = String.raw`# The Python half of the REPL, run once in the child after Pyodide loads ("create_runtime" is its entry point).
# It runs cells in one persistent namespace, captures bounded stdout/stderr, bridges sub-calls through a device
# file that carries only bytes, detects final answers, restores reserved names, and at lockdown removes every
# JavaScript handle it can find from the interpreter (see "lockdown" below).
#
# A real .py file so Python tools can check it ("python3 -m py_compile src/sandbox/runtime.py"). The child may
# read only its own dist/ directory and tsc copies no .py files there, so instead of a copy step in every build
# path, "npm run inline-python" writes this file into the committed module python-runtime.ts: turbo, a bare
# "tsc -b" on a fresh clone and the tests' global setup all compile that module with no generator step, and
# test/python-runtime.test.ts fails when it no longer matches this file.
# One file of about 620 lines, not several: the child loads it with a single runPython call.
import ast
import asyncio
import builtins
import gc
import inspect
import io
import json
import linecache
import os
import sys
import time
import traceback
import types

_CO_COROUTINE = inspect.CO_COROUTINE
_TOP_LEVEL_AWAIT = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
_ModuleType = types.ModuleType
_dumps = json.dumps
_loads = json.loads
_CHUNK = 1 << 24

RESERVED = ("context", "llm_query", "llm_batch", "rlm_query", "rlm_batch", "FINAL", "FINAL_VAR")

# Modules that lead to JavaScript, to Pyodide's loader, or to raw memory. This guard is a convenience layer:
# the process-level layers in the child hold even when it is bypassed.
BLOCKED_IMPORTS = frozenset({
    "js", "pyodide_js", "pyodide", "_pyodide", "_pyodide_core", "ctypes", "_ctypes", "micropip",
    "pyodide_http", "webbrowser",
})


def _device_request(path, payload):
    """One round trip through the host's device file: write the request, read the reply until it runs dry."""
    fd = os.open(path, os.O_RDWR)
    try:
        os.write(fd, payload)
        parts = []
        while chunk := os.read(fd, _CHUNK):
            parts.append(chunk)
        return b"".join(parts)
    finally:
        os.close(fd)


def _device_read_into(path, size):
    """Reads exactly size staged bytes from the device straight into one buffer (no second copy)."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as device:
        done = 0
        while done < size:
            count = device.readinto(view[done:])
            if not count:
                raise OSError(f"the host staged {size} bytes but only {done} arrived")
            done += count
    view.release()
    return buffer


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
    # Cells run as tasks on the cell loop: drop the loop's frames above the first frame of a cell.
    first_cell = next((i for i, frame in enumerate(kept) if frame.filename.startswith("<cell ")), 0)
    report.stack = traceback.StackSummary.from_list(kept[first_cell:])
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


_set_slot = object.__setattr__


class _Helper:
    """A REPL helper (llm_query, FINAL, ...): a plain object whose only state is the Python runtime.

    Not a closure: introspection (__closure__, __globals__, __self__, gc.get_referents) finds Python only."""

    __slots__ = ("_runtime", "__name__", "__qualname__")

    def __init__(self, runtime, name):
        _set_slot(self, "_runtime", runtime)
        _set_slot(self, "__name__", name)
        _set_slot(self, "__qualname__", name)

    def __setattr__(self, name, value):
        raise AttributeError(f"{self.__name__} is read-only")

    def __repr__(self):
        return f"<function {self.__name__}>"


class _Query(_Helper):
    """llm_query/rlm_query(prompt, **opts) -> str: one sub-call; failures come back as 'Error: ...'."""

    __slots__ = ("_kind",)

    def __init__(self, runtime, kind, name):
        super().__init__(runtime, name)
        _set_slot(self, "_kind", kind)

    def __call__(self, prompt, **opts):
        return SubcallText(self._runtime._subcall(self._kind, [prompt], opts)[0])


class _Batch(_Helper):
    """llm_batch/rlm_batch(prompts, **opts) -> list[str]: runs all prompts in parallel, answers in order."""

    __slots__ = ("_kind",)

    def __init__(self, runtime, kind, name):
        super().__init__(runtime, name)
        _set_slot(self, "_kind", kind)

    def __call__(self, prompts, **opts):
        name = self.__name__
        if isinstance(prompts, (str, bytes)):
            return SubcallTexts([f"Error: {name} expects a list of prompts, got a single {type(prompts).__name__}"])
        try:
            items = list(prompts)
        except Exception as exc:
            return SubcallTexts([f"Error: {name} could not read its prompts ({type(exc).__name__}: {exc})"])
        limit = self._runtime._max_batch
        if len(items) > limit:
            return SubcallTexts([f"Error: a batch of {len(items)} prompts exceeds the limit of {limit}"] * len(items))
        return SubcallTexts(self._runtime._subcall(self._kind, items, opts))


class _Final(_Helper):
    """FINAL(value): record the final answer (converted with str) and keep running the cell."""

    __slots__ = ()

    def __init__(self, runtime):
        super().__init__(runtime, "FINAL")

    def __call__(self, value):
        self._runtime._final = {"content": _safe_str(value), "source": "FINAL"}


class _FinalVar(_Helper):
    """FINAL_VAR(name): record the value of the variable called name (or the value itself) as the final answer."""

    __slots__ = ()

    def __init__(self, runtime):
        super().__init__(runtime, "FINAL_VAR")

    def __call__(self, name):
        namespace = self._runtime.namespace
        if isinstance(name, str):
            key = name.strip().strip("'\"").strip()
            if not key.isidentifier() or key not in namespace:
                raise NameError(f"FINAL_VAR: no variable named {key!r}; define it first or use FINAL(value)")
            value = namespace[key]
        else:
            value = name
        self._runtime._final = {"content": _safe_str(value), "source": "FINAL_VAR"}


class _CellSelector:
    """The cell loop's stand-in for a selector: no file descriptors, so waiting is just sleeping."""

    def select(self, timeout=None):
        if timeout is None:
            raise RuntimeError("the cell awaits something that can never complete (nothing else is scheduled)")
        if timeout > 0:
            time.sleep(timeout)
        return []

    def close(self):
        pass


class _CellLoop(asyncio.BaseEventLoop):
    """A pure-Python event loop for top-level await. Pyodide's own loop schedules through a JavaScript
    callback, which lockdown removes; cells run synchronously on this loop instead."""

    def __init__(self):
        super().__init__()
        self._selector = _CellSelector()

    def _process_events(self, event_list):
        pass

    def _write_to_self(self):
        pass


class Runtime:
    def __init__(self, device_path, max_output_chars, max_batch_size):
        self._device = device_path
        self._max_output = max_output_chars
        self._max_batch = max_batch_size
        self._final = None
        self._cells = 0
        self._builtins = dict(builtins.__dict__)
        self.namespace = {"__name__": "__main__", "__builtins__": builtins}
        self._reserved = {
            "context": None,
            "llm_query": _Query(self, "llm", "llm_query"),
            "llm_batch": _Batch(self, "llm", "llm_batch"),
            "rlm_query": _Query(self, "rlm", "rlm_query"),
            "rlm_batch": _Batch(self, "rlm", "rlm_batch"),
            "FINAL": _Final(self),
            "FINAL_VAR": _FinalVar(self),
        }
        self._loop = None
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
            reply = _loads(_device_request(self._device, f"{kind}\n{request}".encode("utf-8")))
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

    # ---- final answers ---------------------------------------------------------------------------------

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

    def set_context(self, size, encoding):
        """Takes the context the host staged in the device (bytes only: no JavaScript object reaches Python)."""
        raw = _device_read_into(self._device, size)
        value = raw.decode("utf-8") if encoding == "text" else _loads(raw)
        del raw
        self._reserved["context"] = value
        self.namespace["context"] = value
        kind = "str" if isinstance(value, str) else "list" if isinstance(value, list) else "dict"
        return _dumps({"type": kind, "length": len(value)})

    # ---- cells -----------------------------------------------------------------------------------------

    def _await(self, coroutine):
        """Runs a cell's top-level await on the cell loop (only such cells touch the loop: a cell without
        await runs as plain code, whatever it did to builtins the loop relies on)."""
        if self._loop is None or self._loop.is_closed():
            self._loop = _CellLoop()
        asyncio.set_event_loop(self._loop)
        return self._loop.run_until_complete(coroutine)

    def _execute(self, code, filename, out):
        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
        tree = ast.parse(code, filename, "exec")
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        body = compile(tree, filename, "exec", flags=_TOP_LEVEL_AWAIT, dont_inherit=True)
        outcome = eval(body, self.namespace)
        if body.co_flags & _CO_COROUTINE:
            self._await(outcome)
        if last is not None:
            # Like an interactive prompt, show the value of a trailing expression.
            expression = compile(last, filename, "eval", flags=_TOP_LEVEL_AWAIT, dont_inherit=True)
            value = eval(expression, self.namespace)
            if expression.co_flags & _CO_COROUTINE:
                value = self._await(value)
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

    def run_cell(self, code):
        self._cells += 1
        self._final = None
        self._restore_namespace()
        out = BoundedText(self._max_output)
        err = BoundedText(self._max_output)
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err
        error = None
        try:
            self._execute(code, f"<cell {self._cells}>", out)
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
        """Hide the JavaScript bridges from model code; fails closed if a JavaScript handle stays reachable."""
        sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "JsFinder"]
        sys.meta_path.insert(0, _ImportGuard())
        _refuse_process_calls()
        _restore_stdlib()
        _guard_builtin_loader()
        _scrub_host_paths()
        for name in list(sys.modules):
            if name.partition(".")[0] in BLOCKED_IMPORTS:
                del sys.modules[name]
        _scrub_javascript()
        _close_javascript_constructors()
        # asyncio.get_event_loop() in a cell without await finds the cell loop, as it found Pyodide's before.
        self._loop = _CellLoop()
        asyncio.set_event_loop(self._loop)
        self._builtins = dict(builtins.__dict__)
        leaks = _javascript_leaks()
        if leaks:
            raise RuntimeError(f"sandbox lockdown incomplete: JavaScript reachable from Python via {leaks[:5]}")


# ---- lockdown helpers ------------------------------------------------------------------------------------
# In one interpreter everything alive is reachable from Python (gc.get_objects, __subclasses__, frames), so
# hiding references is not enough: lockdown deletes every JavaScript handle and every function that makes one,
# and then walks the whole heap to prove none is left. The JS-layer hardening (harden.ts) is the second line.


def _restore_stdlib():
    """Pyodide's loop swaps in wrappers for asyncio.run and time.sleep that call into JavaScript: undo them,
    and make the standard (non-JavaScript) event-loop policy current so cells use the pure-Python cell loop."""
    for module, name in ((asyncio, "run"), (time, "sleep")):
        original = getattr(getattr(module, name), "__wrapped__", None)
        if original is not None:
            setattr(module, name, original)
    asyncio.events._set_running_loop(None)
    set_policy = getattr(asyncio.events, "_set_event_loop_policy", None) or asyncio.set_event_loop_policy
    set_policy(None)


def _guard_builtin_loader():
    """_imp.create_builtin loads a builtin module without consulting sys.meta_path (how _pyodide_core could be
    loaded again). Replace it with one that only hands out modules created now; the original is not kept."""
    import _imp
    from importlib.machinery import ModuleSpec

    original = _imp.create_builtin
    ready = {}
    for name in sys.builtin_module_names:
        if name.partition(".")[0] in BLOCKED_IMPORTS or name.startswith("_test") or name == "_xxtestfuzz":
            continue
        try:
            ready[name] = sys.modules.get(name) or original(ModuleSpec(name, None))
        except Exception:
            pass

    def create_builtin(spec):
        module = ready.get(getattr(spec, "name", None))
        if module is None:
            raise ImportError(f"builtin module {getattr(spec, 'name', spec)!r} is not available in the sandbox")
        return module

    _imp.create_builtin = create_builtin


def _scrub_host_paths():
    """Names of the host's files must not show: the entry script path leaks through argv-derived values."""
    for key in ("_", "PYTHONINSPECT"):
        os.environ.pop(key, None)
    sys.executable = sys._base_executable = ""
    sys.orig_argv = []
    sys.argv = [""]


# _pyodide_core's converters run JavaScript on whatever they are given (a wrong argument kills the process).
_CONVERTER_TYPES = frozenset({"Js2PyConverter", "Py2JsConverter", "JsFuncSignature"})


def _javascript_test():
    """A predicate for JavaScript handles (any JsProxy but the inert jsnull), _pyodide_core's converters and
    builtins of _pyodide_core and friends (which mint handles), with its verdict per type cached: lockdown asks
    it of the whole heap."""
    verdicts = {}
    builtin_kinds = (types.BuiltinFunctionType, types.MethodWrapperType)

    def is_javascript(value):
        kind = type(value)
        verdict = verdicts.get(kind)
        if verdict is None:
            try:
                verdict = kind.__name__ in _CONVERTER_TYPES and kind.__module__ == "builtins"
                verdict = verdict or any(b.__name__ == "JsProxy" and b.__module__ == "pyodide.ffi" for b in kind.__mro__)
            except Exception:
                verdict = False
            verdicts[kind] = verdict
        if verdict:
            return True
        if kind in builtin_kinds:
            owner = getattr(value, "__self__", None)
            if type(owner) is _ModuleType:
                return owner.__name__ in BLOCKED_IMPORTS
            return owner is not None and owner is not value and is_javascript(owner)
        return False

    return is_javascript


def _scrub_javascript():
    """Deletes JavaScript handles from every dict, list, cell and instance namespace on the heap."""
    is_javascript = _javascript_test()
    read_attribute = object.__getattribute__
    for holder in gc.get_objects():
        try:
            kind = type(holder)
            if kind is dict:
                namespace = holder
            elif kind is list:
                holder[:] = [v for v in holder if not is_javascript(v)]
                continue
            elif kind is types.CellType:
                if is_javascript(holder.cell_contents):
                    holder.cell_contents = None
                continue
            elif kind.__dictoffset__ and not isinstance(holder, type) and kind is not _ModuleType:
                namespace = read_attribute(holder, "__dict__")
            else:
                continue
            for key in [k for k, v in namespace.items() if is_javascript(v)]:
                del namespace[key]
        except Exception:
            pass


def _refuse_construction(*args, **kwargs):
    raise TypeError("JavaScript objects cannot be created in the sandbox")


def _close_javascript_constructors():
    """JsException('TypeError', 'x') (found by any __subclasses__ walk) would mint a new JavaScript Error, and
    from it JavaScript's intrinsics: make every JsProxy class refuse construction from Python."""
    seen = set()
    stack = [object]
    while stack:
        for cls in type.__subclasses__(stack.pop()):
            if cls in seen:
                continue
            seen.add(cls)
            stack.append(cls)
            if cls.__module__ == "pyodide.ffi" and any(b.__name__ == "JsProxy" for b in cls.__mro__):
                for name in ("__new__", "new", "_new_exc"):
                    if name in vars(cls):
                        type.__setattr__(cls, name, staticmethod(_refuse_construction))


def _javascript_leaks():
    """Names the holders of any JavaScript handle still reachable from the heap (empty when lockdown held)."""
    is_javascript = _javascript_test()
    leaks = []
    for holder in gc.get_objects():
        try:
            # Pyodide's C code keeps one default JsFuncSignature, with its converters, that no Python object
            # refers to: it cannot be deleted. Its converters only round-trip Python values (see the tests).
            held_by_c = type(holder).__name__ == "JsFuncSignature" and type(holder).__module__ == "builtins"
            for value in gc.get_referents(holder):
                if is_javascript(value) and not (held_by_c and type(value).__name__ in _CONVERTER_TYPES):
                    leaks.append(f"{type(holder).__name__} -> {type(value).__name__}")
        except Exception:
            pass
    return leaks


def create_runtime(device_path, max_output_chars, max_batch_size):
    return Runtime(device_path, max_output_chars, max_batch_size)
`;
