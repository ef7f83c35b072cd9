package io.adamerge.cli.study;

import static org.assertj.core.api.Assertions.assertThat;

import io.adamerge.study.SensitivityStudy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sensitivity section with λ and α curves: one table per grid, the parameter in the CSV, both in the figure's title. */
class SensitivityReportTest {
    @TempDir
    Path tmp;

    @Test
    void lambdaAndAlphaCurvesGetATableEachAndTheirParameterInTheCsv() throws IOException {
        SensitivityStudy.Curve ta = new SensitivityStudy.Curve("Task Arithmetic", List.of(0.0, 0.5), List.of(40.0, 60.0),
                List.of(Map.of("a", 40.0), Map.of("a", 60.0)), "lambda");
        SensitivityStudy.Curve tsv = new SensitivityStudy.Curve("tsv_m", List.of(0.5, 1.0, 1.5), List.of(61.0, 70.5, 66.0),
                List.of(Map.of("a", 61.0), Map.of("a", 70.5), Map.of("a", 66.0)), "alpha");
        SensitivityStudy.Result r = new SensitivityStudy.Result(List.of("a"), List.of(ta, tsv), Map.of("adarank_tsv", 72.0), 16, 3, 1.0);
        StudyReport report = new StudyReport(tmp, "header");
        report.sensitivity(r);
        String md = report.markdown();
        assertThat(md).contains("## 4. λ and α sensitivity", "| λ | 0.0 | 0.5 |", "| Task Arithmetic | 40.0 | 60.0 |",
                "| α | 0.5 | 1.0 | 1.5 |", "| tsv_m | 61.0 | 70.5 | 66.0 |", "- adarank_tsv: 72.0", "![λ and α sensitivity](sensitivity.png)");
        assertThat(md.indexOf("| α |")).isGreaterThan(md.indexOf("| Task Arithmetic |"));
        List<String> csv = Files.readAllLines(tmp.resolve("sensitivity.csv"));
        assertThat(csv.get(0)).isEqualTo("method,parameter,value,avg_accuracy");
        assertThat(csv).contains("tsv_m,alpha,1.0,70.5", "Task Arithmetic,lambda,0.5,60.0");
        assertThat(tmp.resolve("sensitivity.png")).exists();
    }
}
