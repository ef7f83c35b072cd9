package io.adamerge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.data.ImageDataset;
import io.adamerge.data.fetch.DataDirectory;
import io.adamerge.eval.Evaluator;
import io.adamerge.taskvector.Distances;
import io.adamerge.taskvector.ModelSet;
import io.adamerge.model.TorchRuntime;
import io.adamerge.zoo.Zoo;
import io.adamerge.zoo.ZooData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code adamerge study all --quick} end to end on the shared quick zoo ({@link QuickZoo}), and the numbers it writes checked
 * against independent computations: core's streaming {@link Distances} on the zoo's files, the pretrained model's
 * accuracy for λ = 0, and a Task Arithmetic merge of the seen tasks evaluated by hand with the unseen tasks' heads.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StudyCommandTest {
    private static final List<String> STUDY_FILES = List.of("report.md", "generalization.json", "generalization.csv",
            "robustness.json", "robustness.csv", "corruptions.png", "entropy.json", "entropy.csv", "entropy-loss.png",
            "sensitivity.json", "sensitivity.csv", "sensitivity.png", "distances.json", "distances-task-l1.csv",
            "distances-task-cosine.png", "distances-merged-l2.png", "distances-merged-cosine.csv");

    @TempDir
    static Path tmp;

    private String data;
    private Path zoo;
    private Path out;
    private CliRun study;
    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    void runEveryStudyOnTheSharedQuickZoo() {
        QuickZoo quick = QuickZoo.get();
        data = quick.data();
        zoo = quick.zoo();
        out = tmp.resolve("study");
        study = CliRun.of("study", "all", "--quick", "--zoo", zoo.toString(), "--data", data, "--out", out.toString());
    }

    @Test
    void writesEveryFileAndTable() throws IOException {
        assertThat(study.code()).as(study.err()).isZero();
        for (String f : STUDY_FILES) {
            assertThat(out.resolve(f)).isRegularFile();
        }
        String md = Files.readString(out.resolve("report.md"));
        assertThat(md).contains("## 1. Generalisation to unseen tasks", "## 2. Robustness to corrupted test data", "## 3. Entropy and loss",
                "## 4. λ sensitivity", "## 5. Distances", "| AdaMerging++ (layer-wise) |", "jpeg_compression", "![λ sensitivity](sensitivity.png)");
        // no temporary files left behind
        try (var s = Files.list(out)) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp"))).isEmpty();
        }
        // the grid: 7 corruptions x (clean + 5 severities) cells of 28*4 px with 4 px gaps
        var grid = ImageIO.read(out.resolve("corruptions.png").toFile());
        assertThat(grid.getWidth()).isEqualTo(6 * (28 * 4 + 4) + 4);
        assertThat(grid.getHeight()).isEqualTo(7 * (28 * 4 + 4) + 4);
        assertThat(ImageIO.read(out.resolve("sensitivity.png").toFile()).getWidth()).isEqualTo(800);
    }

    @Test
    void jsonHoldsEveryMethodConditionAndPoint() throws IOException {
        JsonNode g = json.readTree(out.resolve("generalization.json").toFile());
        assertThat(g.get("splits")).hasSize(2);
        for (JsonNode s : g.get("splits")) {
            assertThat(s.get("split").get("seen")).hasSize(6);
            assertThat(s.get("rows")).hasSize(4);
            for (JsonNode row : s.get("rows")) {
                assertThat(row.get("unseen")).hasSize(2);
                assertThat(row.get("unseenAvg").asDouble()).isBetween(0.0, 100.0);
            }
        }
        JsonNode r = json.readTree(out.resolve("robustness.json").toFile());
        assertThat(r.get("conditions")).hasSize(8);
        assertThat(r.get("severity").asInt()).isEqualTo(3);
        assertThat(r.get("rows")).hasSize(4);
        assertThat(r.get("rows").get(0).get("perTask").get("spatter")).hasSize(4);
        JsonNode e = json.readTree(out.resolve("entropy.json").toFile());
        // 4 random draws + the trajectory of a 3-step run recorded every step (steps 0..3)
        assertThat(e.get("points")).hasSize(4 + 4);
        assertThat(e.get("perTask")).hasSize(8);
        for (JsonNode p : e.get("points")) {
            assertThat(p.get("meanEntropy").asDouble()).isBetween(0.0, Math.log(10) + 1e-6);
            assertThat(p.get("meanCrossEntropy").asDouble()).isPositive();
        }
        assertThat(e.get("overall").get("all").asDouble()).isBetween(-1.0, 1.0);
        JsonNode d = json.readTree(out.resolve("distances.json").toFile());
        assertThat(d.get("merged")).hasSize(4);
        assertThat(d.get("mergedL2").get("values")).hasSize(4);
    }

    /** The task-vector distances equal core's streaming computation over the zoo's safetensors files. */
    @Test
    void taskVectorDistancesMatchCoreDistances() throws IOException {
        JsonNode d = json.readTree(out.resolve("distances.json").toFile());
        Zoo z = Zoo.open(zoo);
        List<String> tasks = z.tasks();
        List<Path> models = tasks.stream().map(t -> z.modelDir(t).resolve("model.safetensors")).toList();
        try (ModelSet set = ModelSet.open(z.pretrainedDir().resolve("model.safetensors"), models, false)) {
            Distances core = Distances.compute(set, tasks, 1 << 16, null);
            assertThat(d.get("parameters").asLong()).isEqualTo(core.elements());
            for (Distances.Pair p : core.pairs()) {
                assertThat(d.get("taskL1").get("values").get(p.a()).get(p.b()).asDouble()).isCloseTo(p.taskL1(), within(1e-6 * p.taskL1()));
                assertThat(d.get("taskL2").get("values").get(p.b()).get(p.a()).asDouble()).isCloseTo(p.taskL2(), within(1e-6 * p.taskL2()));
                assertThat(d.get("taskCosine").get("values").get(p.a()).get(p.b()).asDouble()).isCloseTo(p.taskCosine(), within(1e-6));
            }
            for (Distances.Norms n : core.taskVectors()) {
                assertThat(d.get("taskL2Norms").get(n.model()).asDouble()).isCloseTo(n.l2(), within(1e-6 * n.l2()));
            }
        }
        for (int k = 0; k < tasks.size(); k++) {
            assertThat(d.get("taskL1").get("values").get(k).get(k).asDouble()).isZero();
            assertThat(d.get("taskCosine").get("values").get(k).get(k).asDouble()).isCloseTo(1.0, within(1e-9));
        }
    }

    /**
     * λ = 0 is the pretrained model: the sensitivity curves start at its accuracy with the tasks' heads; and the
     * generalisation study's Task Arithmetic row equals a merge of the seen tasks evaluated here with the unseen heads.
     */
    @Test
    void sensitivityAtZeroIsThePretrainedModelAndUnseenTasksUseTheirOwnHeads() throws IOException {
        JsonNode s = json.readTree(out.resolve("sensitivity.json").toFile());
        assertThat(s.get("curves").get(0).get("lambdas").get(0).asDouble()).isZero();
        Zoo z = Zoo.open(zoo);
        ZooData zd = new ZooData(DataDirectory.resolve(Path.of(data)), z.recipe().dataSeed(), z.imageSpec());
        int images = 16;
        try (NDManager m = TorchRuntime.newManager()) {
            var pre = z.pretrained(m);
            Evaluator ev = new Evaluator(pre.model(), z.pixels(), 7);
            for (String task : z.tasks()) {
                double acc = ev.evaluate(task, pre.weights(), z.head(task, m), zd.test(task), images, m).accuracy();
                assertThat(s.get("curves").get(0).get("perTask").get(0).get(task).asDouble()).as(task).isCloseTo(acc, within(1e-9));
                assertThat(s.get("curves").get(1).get("perTask").get(0).get(task).asDouble()).as(task).isCloseTo(acc, within(1e-9));
            }
            JsonNode split = json.readTree(out.resolve("generalization.json").toFile()).get("splits").get(0);
            List<String> seen = new ArrayList<>();
            split.get("split").get("seen").forEach(n -> seen.add(n.asText()));
            List<Map<String, NDArray>> ft = seen.stream().map(t -> Zoo.weights(z.modelDir(t), m)).toList();
            Map<String, NDArray> ta = IndependentMerges.taskArithmetic(pre.weights(), ft, 0.3, m);
            JsonNode taRow = split.get("rows").get(0);
            assertThat(taRow.get("method").asText()).startsWith("Task Arithmetic");
            for (JsonNode u : split.get("split").get("unseen")) {
                String task = u.asText();
                ImageDataset test = zd.test(task);
                double acc = ev.evaluate(task, ta, z.head(task, m), test, images, m).accuracy();
                assertThat(taRow.get("unseen").get(task).asDouble()).as(task).isCloseTo(acc, within(1e-9));
            }
        }
    }

    @Test
    void badInputIsAClearError() {
        CliRun unknown = CliRun.of("study", "everything", "--quick", "--zoo", zoo.toString());
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown study 'everything'");
        CliRun task = CliRun.of("study", "generalization", "--quick", "--zoo", zoo.toString(), "--data", data, "--unseen", "mnist,nope",
                "--out", tmp.resolve("bad").toString());
        assertThat(task.code()).isEqualTo(1);
        assertThat(task.err()).contains("unseen task 'nope'");
        CliRun severity = CliRun.of("study", "robustness", "--quick", "--zoo", zoo.toString(), "--severity", "7", "--out", tmp.resolve("bad").toString());
        assertThat(severity.code()).isEqualTo(1);
        assertThat(severity.err()).contains("severity must be 1..5");
        CliRun noZoo = CliRun.of("study", "distances", "--zoo", tmp.resolve("none").toString(), "--out", tmp.resolve("bad").toString());
        assertThat(noZoo.code()).isEqualTo(1);
        assertThat(noZoo.err()).contains("no zoo here");
        assertThat(tmp.resolve("bad").resolve("report.md")).doesNotExist();
        assertThat(Arrays.asList(tmp.resolve("bad").toFile().list() == null ? new String[0] : tmp.resolve("bad").toFile().list())).isEmpty();
    }
}
