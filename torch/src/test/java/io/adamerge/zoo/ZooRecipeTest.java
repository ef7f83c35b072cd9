package io.adamerge.zoo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZooRecipeTest {
    @Test
    void yamlRoundTrip(@TempDir Path dir) throws Exception {
        ZooRecipe d = ZooRecipe.defaults();
        Path file = dir.resolve("recipe.yaml");
        Files.writeString(file, d.toYaml());
        assertThat(ZooRecipe.load(file)).isEqualTo(d);
        assertThat(ZooRecipe.parse(d.quick().toYaml())).isEqualTo(d.quick());
    }

    @Test
    void partialOverridesKeepTheOtherDefaults() {
        ZooRecipe r = ZooRecipe.parse("""
                finetuning:
                  steps: 150
                  optimizer: {lr: 0.001}
                report:
                  lambdas: [0.3]
                """);
        ZooRecipe d = ZooRecipe.defaults();
        assertThat(r.finetuning().steps()).isEqualTo(150);
        assertThat(r.finetuning().optimizer().lr()).isEqualTo(1e-3);
        assertThat(r.finetuning().optimizer().weightDecay()).isEqualTo(d.finetuning().optimizer().weightDecay());
        assertThat(r.finetuning().batch()).isEqualTo(d.finetuning().batch());
        assertThat(r.report().lambdas()).containsExactly(0.3);
        assertThat(r.pretraining()).isEqualTo(d.pretraining());
        assertThat(r.hash()).isNotEqualTo(d.hash());
        assertThat(ZooRecipe.parse("").hash()).isEqualTo(d.hash());
    }

    @Test
    void mistakesAreNamed() {
        assertThatThrownBy(() -> ZooRecipe.parse("finetuning:\n  stepz: 10\n")).hasMessageContaining("unknown recipe key 'finetuning.stepz'")
                .hasMessageContaining("steps");
        assertThatThrownBy(() -> ZooRecipe.parse("tasks: [mnist, no-such-task]\n")).hasMessageContaining("no-such-task");
        assertThatThrownBy(() -> ZooRecipe.parse("architecture:\n  width: 130\n")).hasMessageContaining("not divisible");
        assertThatThrownBy(() -> ZooRecipe.parse("- just\n- a list\n")).hasMessageContaining("mapping of sections");
    }

    @Test
    void defaultArchitectureIsTheSingleChannelTinyClip() {
        var c = ZooRecipe.defaults().architecture().toConfig();
        assertThat(c.numChannels()).isEqualTo(1);
        assertThat(c.gridSize()).isEqualTo(4);
        assertThat(c.hasProjection()).isFalse();
        assertThat(ZooRecipe.defaults().pretraining().supervisedTask()).isNotIn(ZooRecipe.defaults().tasks());
    }
}
