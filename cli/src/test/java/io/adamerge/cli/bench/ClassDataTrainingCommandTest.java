package io.adamerge.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.adamerge.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The launcher's class-data training run: its tiny merges must succeed, or the archive would miss their classes. */
class ClassDataTrainingCommandTest {
    @Test
    void mergesTheTinyCheckpointsWithEveryTimedMethod() {
        PrintStream saved = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            code = Main.run("class-data-training");
        } finally {
            System.setOut(saved);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        assertEquals(3, java.util.regex.Pattern.compile("(?m)^merged ").matcher(out).results().count(), out);
        assertTrue(out.contains("merged task_arithmetic:") && out.contains("merged ties:"), out);
    }
}
