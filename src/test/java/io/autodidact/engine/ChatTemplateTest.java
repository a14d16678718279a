package io.autodidact.engine;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.ChatTemplate.Message;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Qwen3 chat template renders exactly as transformers renders it. The expected strings were derived by walking
 * the template by hand (it is printed in tokenizer_config.json): with trim_blocks and lstrip_blocks and every tag
 * written {@code {%-}/{{-}}, only the string literals reach the output; no tools, so a leading system message becomes
 * the system block and is skipped in the loop; user turns are {@code <|im_start|>user\n...<|im_end|>\n}; an
 * assistant turn before the last user query is printed without a think block; the generation prompt is
 * {@code <|im_start|>assistant\n}, plus an empty think block when enable_thinking is false. The same three strings
 * came out of Jinja2 3.1.6 on CPython rendering this template in {@code ImmutableSandboxedEnvironment(trim_blocks=True,
 * lstrip_blocks=True, extensions=[loopcontrols])}, the environment transformers' apply_chat_template builds.
 */
class ChatTemplateTest {

    private static ChatTemplate qwen3() throws Exception {
        return ChatTemplate.load(HfFixtures.qwen3TokenizerDir()).orElseThrow();
    }

    @Test
    void qwen3SystemAndUserWithGenerationPromptRenderAsTransformers() throws Exception {
        String out = qwen3().render(List.of(new Message("system", "You are terse."), new Message("user", "What is 2+3?")), true);
        assertEquals("<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nWhat is 2+3?<|im_end|>\n<|im_start|>assistant\n", out);
    }

    @Test
    void qwen3MultiTurnKeepsEarlierAssistantTurnsPlain() throws Exception {
        String out = qwen3().render(List.of(new Message("user", "hi"), new Message("assistant", "hello"), new Message("user", "2+3?")), true);
        assertEquals("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nhello<|im_end|>\n<|im_start|>user\n2+3?<|im_end|>\n"
                + "<|im_start|>assistant\n", out);
    }

    @Test
    void qwen3WithoutThinkingOpensAnEmptyThinkBlock() throws Exception {
        String out = qwen3().render(List.of(new Message("user", "2+3?")), true, Map.of("enable_thinking", false));
        assertEquals("<|im_start|>user\n2+3?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n", out);
        assertEquals("<|im_start|>user\n2+3?<|im_end|>\n", qwen3().render(List.of(new Message("user", "2+3?")), false));
    }
}
