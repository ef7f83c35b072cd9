package io.adamerge.eval.table;

import io.adamerge.adamerging.AdaMergingConfig;
import io.adamerge.adamerging.Granularity;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The rows of the paper's main table, in table order, with their names in files and on the command line. */
public enum TableMethod {
    /** The pretrained backbone with each task's head. */
    PRETRAINED("pretrained"),
    /** Each task's own fine-tuned model (the upper bound of a merge). */
    INDIVIDUAL("individual"),
    /** The jointly trained multi-task model. */
    MTL("mtl"),
    WEIGHT_AVERAGE("weight_average"),
    FISHER("fisher"),
    REGMEAN("regmean"),
    /** θ_pre + λ Σ_k T_k at the fixed λ. */
    TASK_ARITHMETIC("task_arithmetic"),
    /** Task arithmetic at the λ of the grid with the best average validation accuracy. */
    TASK_ARITHMETIC_BEST("task_arithmetic_best"),
    /** θ_pre + λ Σ_k of the Ties-trimmed, sign-agreeing task vectors at the fixed λ. */
    TIES("ties"),
    TIES_BEST("ties_best"),
    TW_ADAMERGING("tw_adamerging"),
    TW_ADAMERGING_PP("tw_adamerging_pp"),
    LW_ADAMERGING("lw_adamerging"),
    LW_ADAMERGING_PP("lw_adamerging_pp");

    private final String id;

    TableMethod(String id) {
        this.id = id;
    }

    /** The method's name in tables, files and on the command line. */
    public String id() {
        return id;
    }

    public boolean isAdaMerging() {
        return this == TW_ADAMERGING || this == TW_ADAMERGING_PP || this == LW_ADAMERGING || this == LW_ADAMERGING_PP;
    }

    /** Whether λ is chosen on the validation splits. */
    public boolean choosesLambda() {
        return this == TASK_ARITHMETIC_BEST || this == TIES_BEST;
    }

    /** The AdaMerging variant's granularity. */
    public Granularity granularity() {
        return switch (this) {
            case TW_ADAMERGING, TW_ADAMERGING_PP -> Granularity.TASK;
            case LW_ADAMERGING, LW_ADAMERGING_PP -> Granularity.LAYER;
            default -> throw new IllegalStateException(id + " is not an AdaMerging method");
        };
    }

    /** AdaMerging++ (Ties-masked task vectors). */
    public boolean plus() {
        return this == TW_ADAMERGING_PP || this == LW_ADAMERGING_PP;
    }

    /** The AdaMerging settings of this variant, from the table's shared ones. */
    public AdaMergingConfig adaMerging(AdaMergingConfig shared) {
        return new AdaMergingConfig(granularity(), plus(), shared.tiesDensity(), shared.steps(), shared.learningRate(), shared.beta1(),
                shared.beta2(), shared.epsilon(), shared.batchSize(), shared.initialValue(), shared.seed());
    }

    public static List<TableMethod> all() {
        return List.of(values());
    }

    /** The method named {@code id}, failing with the list of names. */
    public static TableMethod parse(String id) {
        String wanted = id == null ? "" : id.trim().toLowerCase(Locale.ROOT);
        for (TableMethod m : values()) {
            if (m.id.equals(wanted)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown method '" + id + "'; the table has " + Arrays.stream(values()).map(TableMethod::id).toList());
    }
}
