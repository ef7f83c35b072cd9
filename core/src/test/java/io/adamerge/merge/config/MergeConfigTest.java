package io.adamerge.merge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adamerge.merge.MergeConfigException;
import io.adamerge.merge.MergeMethods;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13, defect 6: anchors and aliases resolved, duplicate keys and cycles refused; and the overrides of issue 10. */
class MergeConfigTest {
    @TempDir
    Path dir;

    private Path yaml(String text) throws IOException {
        return Files.writeString(dir.resolve("c.yml"), text);
    }

    @Test
    void anAliasIsTheAnchoredValueNotItsName() throws IOException {
        MergeConfig c = MergeConfig.read(yaml("""
                merge_method: task_arithmetic
                base_model: &pre /models/pre.safetensors
                models:
                  - model: /models/a.safetensors
                    parameters: {lambda: &l 0.3}
                  - model: /models/b.safetensors
                    parameters: {lambda: *l}
                parameters: {lambda: *l}
                out: *pre
                """));
        assertThat(c.modelParameters()).extracting(p -> p.get("lambda")).containsExactly(0.3, 0.3);
        assertThat(c.parameters()).containsEntry("lambda", 0.3);
        assertThat(c.output()).isEqualTo(Path.of("/models/pre.safetensors"));
    }

    @Test
    void mergeKeysShareSettings() throws IOException {
        MergeConfig c = MergeConfig.read(yaml("""
                merge_method: ties
                defaults: &d {density: 0.2, lambda: 0.3}
                models:
                  - model: a.safetensors
                    parameters: {<<: *d, density: 0.5}
                """.replace("defaults: &d {density: 0.2, lambda: 0.3}\n", "")
                .replace("merge_method: ties\n", "merge_method: ties\nparameters: &d {density: 0.2, lambda: 0.3}\n")));
        assertThat(c.modelParameters().get(0)).containsEntry("density", 0.5).containsEntry("lambda", 0.3);
        assertThat(c.parameters()).containsEntry("density", 0.2);
    }

    @Test
    void aKeyGivenTwiceIsRefused() throws IOException {
        Path f = yaml("merge_method: ties\nmodels: [a.safetensors]\nmerge_method: task_arithmetic\n");
        assertThatThrownBy(() -> MergeConfig.read(f)).isInstanceOf(MergeConfigException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("given twice").hasMessageContaining("merge_method")
                .hasMessageContaining("line 3");
        Path nested = yaml("merge_method: ties\nmodels: [a.safetensors]\nparameters: {lambda: 0.3, lambda: 1.0}\n");
        assertThatThrownBy(() -> MergeConfig.read(nested)).hasMessageContaining("given twice").hasMessageContaining("lambda");
    }

    @Test
    void anUndefinedAliasACycleAndAnAliasBombAreRefused() throws IOException {
        assertThatThrownBy(() -> MergeConfig.read(yaml("merge_method: *nope\nmodels: [a]\n")))
                .isInstanceOf(MergeConfigException.class).hasMessageContaining("nope");
        assertThatThrownBy(() -> MergeConfig.read(yaml("merge_method: ties\nmodels: &m [a, *m]\n")))
                .isInstanceOf(MergeConfigException.class).hasMessageContaining("c.yml");
        StringBuilder bomb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for (char c = 'b'; c <= 'k'; c++) {
            char p = (char) (c - 1);
            bomb.append(c).append(": &").append(c).append(" [*").append(p).append(", *").append(p).append(", *")
                    .append(p).append(", *").append(p).append(", *").append(p).append(", *").append(p).append(", *")
                    .append(p).append(", *").append(p).append(", *").append(p).append("]\n");
        }
        Path bombFile = yaml(bomb.toString());
        assertThatThrownBy(() -> MergeConfig.read(bombFile)).isInstanceOf(MergeConfigException.class)
                .hasMessageContaining("c.yml");
    }

    @Test
    void invalidUtf8AndSeveralDocumentsAreRefused() throws IOException {
        Path f = dir.resolve("bad.yml");
        Files.write(f, new byte[] {'m', 'e', 'r', 'g', 'e', '_', 'm', 'e', 't', 'h', 'o', 'd', ':', ' ', (byte) 0xff, '\n'});
        assertThatThrownBy(() -> MergeConfig.read(f)).hasMessageContaining("bad.yml").hasMessageContaining("not valid UTF-8");
        assertThatThrownBy(() -> MergeConfig.read(yaml("merge_method: ties\n---\nmerge_method: ties\n")))
                .hasMessageContaining("2 YAML documents");
    }

    @Test
    void flagsOverrideTheConfig() throws IOException {
        MergeConfig c = MergeConfig.read(yaml("""
                merge_method: task_arithmetic
                base_model: /m/pre.safetensors
                models:
                  - {model: /m/a.safetensors, parameters: {lambda: 0.2}}
                  - /m/b.safetensors
                  - /m/pre.safetensors
                parameters: {lambda: 0.3}
                out: from-config.safetensors
                """));
        MergeMethods registry = MergeMethods.discover();
        // the base listed among the models is dropped, as mergekit does
        MergeConfig plain = MergeOverrides.none().applyTo(c, registry);
        assertThat(plain.models()).containsExactly(Path.of("/m/a.safetensors"), Path.of("/m/b.safetensors"));
        assertThat(plain.modelParameters().get(0)).containsEntry("lambda", 0.2);
        // a flag overrides the config's global and per-model values
        MergeConfig flagged = new MergeOverrides(null, null, null, null, null, Map.of("lambda", "0.5"), "bf16",
                Path.of("flag.safetensors"), null).applyTo(c, registry);
        assertThat(flagged.parameters()).containsEntry("lambda", "0.5");
        assertThat(flagged.modelParameters().get(0)).doesNotContainKey("lambda");
        assertThat(flagged.output()).isEqualTo(Path.of("flag.safetensors"));
        assertThat(flagged.dtype()).isEqualTo("bf16");
        // a comma list of a per-model parameter: one per model
        MergeConfig perModel = new MergeOverrides(null, null, null, null, null, Map.of("lambda", "0.1,0.9"), null, null,
                null).applyTo(c, registry);
        assertThat(perModel.modelParameters()).extracting(p -> p.get("lambda")).containsExactly("0.1", "0.9");
        assertThatThrownBy(() -> new MergeOverrides("ties", null, List.of(Path.of("a")), null, List.of(Path.of("d")),
                Map.of(), null, null, null).applyTo(null, registry))
                .hasMessageContaining("ties is data-free").hasMessageContaining("--data");
        assertThatThrownBy(() -> MergeOverrides.none().applyTo(null, registry)).hasMessageContaining("--method");
    }
}
