package io.adamerge.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.adamerge.merge.MergeMethods;
import io.adamerge.testing.TinyZoo;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Negation on a tiny zoo: the chosen λ keeps the control, and the reported figures are what the weights score. */
class NegationStudyTest {
    @TempDir
    static Path tmp;
    static TinyZoo tiny;
    static StudyContext ctx;

    @BeforeAll
    static void context() {
        tiny = TinyZoo.create(tmp.resolve("zoo"));
        ctx = new StudyContext(tiny.zoo(), tiny.splits(), StudySettings.quick(), List.of("task_arithmetic"), MergeMethods.discover());
    }

    @AfterAll
    static void close() {
        ctx.close();
    }

    @Test
    void negatesEachTargetAsFarAsTheControlAllows() {
        List<String> tasks = tiny.zoo().tasks();
        NegationStudy.Result r = NegationStudy.run(ctx, tasks, List.of());
        assertThat(r.rows()).extracting(NegationStudy.Row::target).containsExactlyElementsOf(tasks);
        Map<String, NDArray> pre = ctx.pretrainedWeights();
        for (NegationStudy.Row row : r.rows()) {
            assertThat(row.control()).isEqualTo("others");
            assertThat(row.targetPretrained()).isEqualTo(ctx.evaluate(row.target(), pre).accuracy());
            if (row.lambda() == 0) {
                assertThat(row.targetNegated()).isEqualTo(row.targetPretrained());
                continue;
            }
            assertThat(r.lambdas()).contains(row.lambda());
            assertThat(row.controlValidationKept()).isGreaterThanOrEqualTo(NegationStudy.KEEP);
            // the reported target accuracy is that of θ_pre − λ·T_target, recomputed here independently
            try (NDManager scope = ctx.manager().newSubManager()) {
                Map<String, NDArray> tv = ctx.taskVector(row.target());
                Map<String, NDArray> negated = new java.util.LinkedHashMap<>();
                pre.forEach((k, v) -> {
                    NDArray x = v.sub(tv.get(k).mul((float) row.lambda()));
                    x.attach(scope);
                    negated.put(k, x);
                });
                assertThat(row.targetNegated()).isEqualTo(ctx.evaluate(row.target(), negated).accuracy());
            }
        }
        // a control task of its own: the target is never its own control
        NegationStudy.Result single = NegationStudy.run(ctx, List.of(tasks.get(0)), List.of(tasks.get(1)));
        assertThat(single.rows().get(0).control()).isEqualTo(tasks.get(1));
        // with a preference list, the control task itself is negated against the next one
        NegationStudy.Result listed = NegationStudy.run(ctx, tasks.subList(0, 2), List.of(tasks.get(1), tasks.get(0)));
        assertThat(listed.rows()).extracting(NegationStudy.Row::control).containsExactly(tasks.get(1), tasks.get(0));
        // a single control that is the target: the others stand in, never the target itself
        NegationStudy.Result self = NegationStudy.run(ctx, tasks.subList(0, 2), List.of(tasks.get(0)));
        assertThat(self.rows()).extracting(NegationStudy.Row::control).containsExactly("others", tasks.get(0));
        assertThatThrownBy(() -> NegationStudy.run(ctx, List.of(tasks.get(0)), List.of(tasks.get(0))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(tasks.get(0));
    }
}
