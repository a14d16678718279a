package io.autodidact.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.junit.jupiter.api.Test;

/** {@code autodidact/fast_regex.py}: GraalPy's re.sub/findall/finditer replaced, with CPython's answers kept. */
class FastRegexTest {
    @Test
    void replacedRegexFunctionsAnswerAsCPythonDoes() throws Exception {
        String cases = Files.readString(PythonTestSupport.TEST_PYTHON.resolve("regex_cases.py"));
        String expected = Files.readString(PythonTestSupport.TEST_PYTHON.resolve("regex_cases.expected.json")).strip();
        try (Context context = GuestContext.open(PythonRuntime.shared(), new ByteArrayOutputStream(), new ByteArrayOutputStream(), false)) {
            GuestContext.loadHost(context);
            assertTrue(context.eval("python", "import _sre\n_sre.Pattern._autodidact_fast_regex").asBoolean(),
                    "the host installs the fast methods before any user code");
            context.eval(Source.newBuilder("python", cases, "regex_cases.py").build());
            String got = context.eval("python", "json.dumps([run(*c) for c in CASES] + [callable_case()])").asString();
            assertEquals(expected, got);
        }
    }
}
