package io.adamerge.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.adamerge.model.HiddenAct;
import io.adamerge.model.VitConfig;
import io.adamerge.model.bert.BertConfig;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;

/** The step's product count against published per-example figures of the same architectures. */
class StepFlopsTest {
    @Test
    void vitB32ForwardIsTheCommonlyQuoted4Point4GigaMultiplyAdds() {
        // timm's table gives vit_base_patch32_224 4.41 GMACs per 224 px image (encoder and patch embedding)
        StepFlops one = StepFlops.vit(VitConfig.vitB32(), 1, 0, 0, 0);
        assertThat(one.forward() / 2).isCloseTo(4.41e9, Percentage.withPercentage(0.5));
        // pixels need no gradient: the backward is twice the forward less the patch embedding's input gradient
        double patchEmbedding = 2.0 * 49 * 3 * 32 * 32 * 768;
        assertThat(one.backward()).isCloseTo(2 * one.forward() - patchEmbedding, within(1.0));
    }

    @Test
    void bertForwardAtTokens128IsTinyBertsTableOne() {
        // TinyBERT (Jiao et al. 2020), table 1, 128 tokens: BERT-base 22.5 G FLOPs, TinyBERT-4 (4 × 312, FFN 1200) 1.2 G
        BertConfig base = new BertConfig(30522, 768, 12, 12, 3072, 512, 2, 1e-12, HiddenAct.GELU);
        BertConfig tiny = new BertConfig(30522, 312, 4, 12, 1200, 512, 2, 1e-12, HiddenAct.GELU);
        assertThat(StepFlops.bert(base, 128, 1, 0, 0, 0).forward()).isCloseTo(22.5e9, Percentage.withPercentage(2));
        assertThat(StepFlops.bert(tiny, 128, 1, 0, 0, 0).forward()).isCloseTo(1.2e9, Percentage.withPercentage(5));
    }

    @Test
    void aStepScalesWithItsExamplesAndTheMergeWithTasksTimesParameters() {
        BertConfig c = AdaStepBenchmark.MINILM_L6;
        StepFlops one = StepFlops.bert(c, 32, 16, 10, 1000, 8);
        StepFlops two = StepFlops.bert(c, 32, 32, 10, 1000, 8);
        assertThat(two.forward()).isCloseTo(2 * one.forward(), within(1.0));
        assertThat(two.backward()).isCloseTo(2 * one.forward() * 2, within(1.0));
        assertThat(one.merge()).isEqualTo(4.0 * 8 * 1000);
        assertThat(one.total()).isEqualTo(one.forward() + one.backward() + one.merge());
    }
}
