package io.adamerge.zoo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The text recipe's optional {@code lora:} section: it must not move the default recipe's hash nor any existing stage's
 * cache key (a text zoo built before LoRA existed stays valid), and it parses from YAML over its own defaults.
 */
class TextZooRecipeTest {
    /** The SHA-256 of model.safetensors of all-MiniLM-L6-v2 as the zoo imports it (the key input of every stage). */
    private static final String PRETRAINED_SHA = "556b8842f0c779ee484e7e93ba7bd4931970d604b6ac3fc3f52a6b816a08412b";

    @Test
    void theDefaultRecipesHashAndStageKeysAreThoseOfTheZooBuiltBeforeLora() {
        TextZooRecipe defaults = TextZooRecipe.defaults();
        // the values written in the cards of the text zoo built at 2026-12-02T13:42Z (seed 0), before the lora section
        assertThat(defaults.hash()).isEqualTo("967f9d20c1ad19de");
        assertThat(TextZooBuilder.headKey(defaults, PRETRAINED_SHA, "wordnet")).isEqualTo("e294220ead98b0a5");
        assertThat(TextZooBuilder.headKey(defaults, PRETRAINED_SHA, "spam")).isEqualTo("10f6c4c641363990");
        assertThat(TextZooBuilder.finetuneKey(defaults, "e294220ead98b0a5", 0, "wordnet")).isEqualTo("9c9a328f5104d6b3");
        assertThat(TextZooBuilder.finetuneKey(defaults, "10f6c4c641363990", 0, "spam")).isEqualTo("910370dc0d6ada93");
        Map<String, String> heads = new LinkedHashMap<>();
        defaults.tasks().forEach(t -> heads.put(t, TextZooBuilder.headKey(defaults, PRETRAINED_SHA, t)));
        assertThat(TextZooBuilder.multitaskKey(defaults, heads.values(), 0)).isEqualTo("16510d232c25588b");
        assertThat(defaults.toYaml()).doesNotContain("lora");
    }

    @Test
    void aLoraSectionLeavesTheOtherStagesKeysAlone() {
        TextZooRecipe defaults = TextZooRecipe.defaults();
        TextZooRecipe withLora = TextZooRecipe.parse("lora:\n  r: 4\n  training:\n    steps: 7\n");
        assertThat(withLora.lora()).isNotNull();
        assertThat(withLora.hash()).isNotEqualTo(defaults.hash());
        String head = TextZooBuilder.headKey(defaults, PRETRAINED_SHA, "kjv");
        assertThat(TextZooBuilder.headKey(withLora, PRETRAINED_SHA, "kjv")).isEqualTo(head);
        assertThat(TextZooBuilder.finetuneKey(withLora, head, 0, "kjv")).isEqualTo(TextZooBuilder.finetuneKey(defaults, head, 0, "kjv"));
        assertThat(TextZooBuilder.multitaskKey(withLora, List.of(head), 0)).isEqualTo(TextZooBuilder.multitaskKey(defaults, List.of(head), 0));
        // the lora key follows the lora section only
        TextZooRecipe otherRank = TextZooRecipe.parse("lora:\n  r: 8\n  training:\n    steps: 7\n");
        assertThat(TextZooBuilder.loraKey(withLora, head, 0, "kjv")).isNotEqualTo(TextZooBuilder.loraKey(otherRank, head, 0, "kjv"));
    }

    @Test
    void aLoraSectionStartsFromItsDefaults() {
        TextZooRecipe r = TextZooRecipe.parse("lora:\n  alpha: 32\n  training:\n    optimizer:\n      lr: 5.0e-4\n");
        TextZooRecipe.Lora d = TextZooRecipe.Lora.defaults();
        assertThat(r.lora().r()).isEqualTo(d.r());
        assertThat(r.lora().alpha()).isEqualTo(32.0);
        assertThat(r.lora().scale()).isEqualTo(32.0 / d.r());
        assertThat(r.lora().targetModules()).isEqualTo(List.of("query", "key", "value", "dense"));
        assertThat(r.lora().training().steps()).isEqualTo(d.training().steps());
        assertThat(r.lora().training().optimizer().lr()).isEqualTo(5e-4);
        assertThat(r.lora().training().optimizer().weightDecay()).isEqualTo(d.training().optimizer().weightDecay());
        // the recipe written into a zoo reads back to itself
        assertThat(TextZooRecipe.parse(r.toYaml())).isEqualTo(r);
        assertThat(r.quick().lora().training().steps()).isEqualTo(2);
    }

    @Test
    void aBadLoraSectionIsAClearError() {
        assertThatThrownBy(() -> TextZooRecipe.parse("lora:\n  r: 0\n")).hasMessageContaining("lora.r must be >= 1");
        assertThatThrownBy(() -> TextZooRecipe.parse("lora:\n  targetModules: []\n")).hasMessageContaining("lora.targetModules");
        assertThatThrownBy(() -> TextZooRecipe.parse("lora:\n  rank: 4\n")).hasMessageContaining("unknown recipe key 'lora.rank'");
    }
}
