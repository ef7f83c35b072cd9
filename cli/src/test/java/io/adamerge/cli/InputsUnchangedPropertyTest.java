package io.adamerge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Issue 13's property: whatever command and options are given, outputs pointing at inputs included, no command changes
 * a byte of its inputs, and no temporary file is left behind.
 */
class InputsUnchangedPropertyTest {
    private static Path dir;
    private static Map<String, String> inputHashes;
    private static Set<String> inputNames;

    /** The inputs every command reads, in one folder (writable copies, so that damage would show). */
    private static final List<String> INPUTS = List.of("merge_pre.safetensors", "merge_ft_0.safetensors",
            "merge_ft_1.safetensors", "ada_head_0.safetensors", "ada_head_1.safetensors", "ada_images_0.safetensors",
            "ada_images_1.safetensors", "vit_config.json", "vit_io.safetensors", "ada_lambda_init.safetensors");

    @BeforeContainer
    static void copyInputs() throws IOException {
        dir = Files.createTempDirectory("inputs-unchanged");
        for (String name : INPUTS) {
            TestFiles.copy(name, dir);
        }
        Files.writeString(dir.resolve("cfg.yml"), "merge_method: ties\nbase_model: merge_pre.safetensors\nmodels:\n"
                + "  - merge_ft_0.safetensors\n  - merge_ft_1.safetensors\nparameters: {density: 0.5}\n");
        Files.createDirectories(dir.resolve("folder"));
        Files.writeString(dir.resolve("folder/notes.txt"), "not an output");
        inputHashes = TestFiles.fingerprint(dir);
        inputNames = inputHashes.keySet();
    }

    @AfterContainer
    static void removeInputs() {
        deleteTree(dir);
    }

    /** One command line: a command, where its output goes, and whether --force is given. */
    record Case(String command, String output, boolean force) {
        List<String> args() {
            Path in = dir;
            String out = output.equals(".") ? "." : in.resolve(output).toString();
            List<String> a = new ArrayList<>(switch (command) {
                case "merge-ta" -> List.of("merge", "--no-progress", "--method", "task_arithmetic", "--base",
                        in.resolve("merge_pre.safetensors").toString(), "--models", in.resolve("merge_ft_0.safetensors").toString(),
                        in.resolve("merge_ft_1.safetensors").toString(), "--out", out);
                case "merge-yaml" -> List.of("merge", "--no-progress", in.resolve("cfg.yml").toString(), out);
                case "merge-fisher" -> List.of("merge", "--no-progress", "--method", "fisher", "--models",
                        in.resolve("merge_ft_0.safetensors").toString(), in.resolve("merge_ft_1.safetensors").toString(),
                        "--heads", in.resolve("ada_head_0.safetensors").toString(), in.resolve("ada_head_1.safetensors").toString(),
                        "--data", in.resolve("ada_images_0.safetensors").toString(), in.resolve("ada_images_1.safetensors").toString(),
                        "--vision-config", in.resolve("vit_config.json").toString(), "--samples", "2", "--out", out);
                case "embed" -> List.of("embed", "--model", in.resolve("merge_ft_0.safetensors").toString(), "--config",
                        in.resolve("vit_config.json").toString(), "--input", in.resolve("vit_io.safetensors").toString(),
                        "--out", out);
                case "adamerging" -> List.of("adamerging", "--base", in.resolve("merge_pre.safetensors").toString(),
                        "--models", in.resolve("merge_ft_0.safetensors").toString(), in.resolve("merge_ft_1.safetensors").toString(),
                        "--heads", in.resolve("ada_head_0.safetensors").toString(), in.resolve("ada_head_1.safetensors").toString(),
                        "--data", in.resolve("ada_images_0.safetensors").toString(), in.resolve("ada_images_1.safetensors").toString(),
                        "--config", in.resolve("vit_config.json").toString(), "--granularity", "task", "--steps", "1",
                        "--save-lambda", in.resolve(output.endsWith(".safetensors") ? "ada_images_1.safetensors" : "lambda.safetensors").toString(),
                        "--out", out);
                case "data-export" -> List.of("data", "export", "--task", "nonexistent-task", "--out", out);
                default -> throw new IllegalArgumentException(command);
            });
            if (force && !command.equals("data-export")) { // a results folder: nothing to force
                a.add("--force");
            }
            return a;
        }
    }

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<String> command = Arbitraries.of("merge-ta", "merge-yaml", "merge-fisher", "embed", "adamerging", "data-export");
        List<String> outputs = new ArrayList<>(INPUTS);
        outputs.addAll(List.of("cfg.yml", "folder", "folder/notes.txt", "new.safetensors", "newdir", ".", "folder/new.safetensors"));
        return Combinators.combine(command, Arbitraries.of(outputs), Arbitraries.of(true, false)).as(Case::new);
    }

    @Property(tries = 40, seed = "13")
    void noCommandChangesItsInputs(@ForAll("cases") Case c) {
        CliRun r = CliRun.of(c.args());
        assertThat(r.code()).as("%s: %s", c, r.err()).isIn(0, 1);
        Map<String, String> now = TestFiles.fingerprint(dir);
        for (String name : inputNames) {
            if (name.equals("folder/notes.txt") && c.force()) {
                continue; // not an input: --force may replace the folder holding it, as the user asked
            }
            assertThat(now.get(name)).as("%s changed %s (exit %d: %s)", c, name, r.code(), r.err()).isEqualTo(inputHashes.get(name));
        }
        assertThat(TestFiles.hiddenFiles(dir)).as("temporaries after %s", c).isEmpty();
        if (r.code() == 1) {
            assertThat(r.err().strip()).as("one line for %s", c).doesNotContain("\n");
        }
        removeOutputs();
    }

    /** Everything but the inputs, so that each case starts from the same folder. */
    private static void removeOutputs() {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String rel = dir.relativize(p).toString();
                if (!inputNames.contains(rel) && !rel.equals("folder")) {
                    deleteTree(p);
                }
            }
            Files.createDirectories(dir.resolve("folder"));
            if (Files.isDirectory(dir.resolve("folder/notes.txt"))) {
                deleteTree(dir.resolve("folder/notes.txt")); // --force replaced it with a model folder, as asked
            }
            Files.writeString(dir.resolve("folder/notes.txt"), "not an output");
            try (Stream<Path> f = Files.list(dir.resolve("folder"))) {
                for (Path p : f.toList()) {
                    if (!p.getFileName().toString().equals("notes.txt")) {
                        deleteTree(p);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path p) {
        if (p == null || !Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
