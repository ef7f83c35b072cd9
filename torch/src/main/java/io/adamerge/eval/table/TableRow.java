package io.adamerge.eval.table;

import io.adamerge.merge.DataDrivenMethod;
import io.adamerge.merge.MergeMethod;
import io.adamerge.merge.MergeMethodInfo;
import io.adamerge.merge.MergeMethods;
import io.adamerge.merge.MergeParameter;
import io.adamerge.merge.MethodVariant;
import io.adamerge.merge.Needs;
import io.adamerge.merge.SearchMethod;
import io.adamerge.merge.data.FisherMerging;
import io.adamerge.merge.data.RegMean;
import io.adamerge.merge.testtime.AdaMergingMethod;
import io.adamerge.merge.testtime.AdaRankMethod;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One row of the main table: a reference model (the pretrained backbone, the individual models, the multi-task model)
 * or a method of the one merge registry with a parameter configuration, e.g. {@code task_arithmetic} at the table's λ,
 * or {@code task_arithmetic_best}: the same method with λ chosen on the validation splits from the table's grid.
 * Any registry method is a row by its name; any data-free method with a {@code lambda} parameter also as
 * {@code <name>_best}. A method's variant ({@link MethodVariant}, e.g. {@code iso_c_lowrank}) is a row of its base method
 * with the variant's overrides among the parameters (and so in the row's cache key), also as {@code <variant>_best}.
 *
 * @param id                 the row's name in tables, files and on the command line
 * @param reference          the reference model of a reference row, else null
 * @param method             the registry method of a merge row, else null
 * @param parameters         the method's parameter values (raw, as in a merge config) under the table's protocol
 * @param chosenOnValidation the parameter chosen on the validation splits from {@link MainTableConfig#lambdaGrid()}
 *                           ({@code lambda}), else null
 */
public record TableRow(String id, Reference reference, MergeMethodInfo method, Map<String, Object> parameters,
                       String chosenOnValidation) {
    /** The parameter a {@code *_best} row chooses on validation: λ of the task-vector merges... */
    public static final String SEARCHED = "lambda";
    /** ... or α of the spectral merges (TSV-M, Iso-C, Iso-CTS), whose official code picks it over 0.1, 0.2, …, 3.0. */
    public static final String SEARCHED_ALPHA = "alpha";
    /** The α grid of the spectral merges' official code: 0.1 to 3.0 in steps of 0.1. */
    public static final List<Double> ALPHA_GRID = java.util.stream.IntStream.rangeClosed(1, 30)
            .mapToObj(i -> Math.round(i * 0.1 * 10) / 10.0).toList();
    static final String BEST_SUFFIX = "_best";

    /** Rows that evaluate a model of the pool as it is. */
    public enum Reference {
        PRETRAINED("pretrained"), INDIVIDUAL("individual"), MULTITASK("mtl");

        private final String id;

        Reference(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }

    public TableRow {
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /** The paper's table, in table order: the default rows. */
    public static List<String> defaults() {
        return List.of("pretrained", "individual", "mtl", "weight_average", "fisher", "regmean", "task_arithmetic",
                "task_arithmetic_best", "ties", "ties_best", "tw_adamerging", "tw_adamerging_pp", "lw_adamerging", "lw_adamerging_pp");
    }

    /** What the row needs besides the weights. */
    public Needs needs() {
        if (reference != null) {
            return Needs.NOTHING;
        }
        return chosenOnValidation != null ? Needs.LABELLED_VALIDATION : method.needs();
    }

    /** The row named {@code id} under {@code cfg}'s protocol, its method taken from {@code registry}. */
    public static TableRow resolve(String id, MainTableConfig cfg, MergeMethods registry) {
        String wanted = id == null ? "" : id.trim().toLowerCase(Locale.ROOT);
        for (Reference r : Reference.values()) {
            if (r.id.equals(wanted)) {
                return new TableRow(r.id, r, null, Map.of(), null);
            }
        }
        if (registry.names().contains(wanted) || isAlias(wanted, registry)) {
            MergeMethodInfo m = registry.get(wanted);
            return new TableRow(wanted, null, m, protocol(m, cfg), null);
        }
        java.util.Optional<MethodVariant> variant = registry.variant(wanted);
        if (variant.isPresent()) {
            // a variant: its base method under the protocol, the variant's overrides laid over it (they are in the cache key)
            MergeMethodInfo m = registry.get(variant.get().base());
            return new TableRow(wanted, null, m, variant.get().parameters(protocol(m, cfg)), null);
        }
        if (wanted.endsWith(BEST_SUFFIX)) {
            String base = wanted.substring(0, wanted.length() - BEST_SUFFIX.length());
            // a method's or a variant's best row: the (base) method under the protocol, the variant's overrides laid over it
            java.util.Optional<MethodVariant> v = registry.variant(base);
            String method = v.map(MethodVariant::base).orElse(registry.names().contains(base) ? base : null);
            if (method != null && registry.get(method) instanceof MergeMethod m && searched(m) != null) {
                Map<String, Object> p = v.isPresent() ? v.get().parameters(protocol(m, cfg)) : protocol(m, cfg);
                p.remove(searched(m));
                return new TableRow(wanted, null, m, p, searched(m));
            }
        }
        throw new IllegalArgumentException("unknown table row '" + id + "'; rows are " + known(registry));
    }

    private static boolean isAlias(String name, MergeMethods registry) {
        return registry.all().stream().anyMatch(m -> m.aliases().contains(name));
    }

    /** Every row name: the reference rows, every registry method, and {@code <name>_best} for data-free methods with λ. */
    public static List<String> known(MergeMethods registry) {
        List<String> out = new ArrayList<>();
        for (Reference r : Reference.values()) {
            out.add(r.id);
        }
        for (MergeMethodInfo m : registry.all()) {
            out.add(m.name());
            if (m instanceof MergeMethod && searched(m) != null) {
                out.add(m.name() + BEST_SUFFIX);
            }
            if (m instanceof MergeMethod free) {
                for (MethodVariant v : free.variants()) {
                    out.add(v.name());
                    if (searched(m) != null) {
                        out.add(v.name() + BEST_SUFFIX);
                    }
                }
            }
        }
        return out;
    }

    /** The parameter a {@code <name>_best} row of {@code m} searches ({@code lambda}, else {@code alpha}), or null. */
    static String searched(MergeMethodInfo m) {
        return declares(m, SEARCHED) ? SEARCHED : declares(m, SEARCHED_ALPHA) ? SEARCHED_ALPHA : null;
    }

    /** The values a {@code *_best} row tries: the table's λ grid, or the official α grid. */
    public List<Double> grid(MainTableConfig cfg) {
        return SEARCHED_ALPHA.equals(chosenOnValidation) ? ALPHA_GRID : cfg.lambdaGrid();
    }

    private static boolean declares(MergeMethodInfo m, String parameter) {
        return m.parameters().stream().map(MergeParameter::name).anyMatch(parameter::equals);
    }

    /**
     * The table's protocol as parameter values: λ and the Ties density for every method that declares them, the search
     * rows' budget when the table sets one, the
     * table's Fisher, RegMean and AdaMerging settings for those methods; every other parameter keeps the method's default.
     */
    static Map<String, Object> protocol(MergeMethodInfo m, MainTableConfig cfg) {
        Map<String, Object> p = new LinkedHashMap<>();
        if (m instanceof FisherMerging) {
            FisherMerging.Settings f = cfg.fisher();
            p.put("samples", (long) f.samples());
            p.put("seed", f.seed());
            p.put("floor", Double.valueOf(Float.toString(f.floor())));
        } else if (m instanceof RegMean) {
            RegMean.Settings r = cfg.regmean();
            p.put("samples", (long) r.samples());
            p.put("alpha", r.alpha());
            p.put("seed", r.seed());
            p.put("batch_size", (long) r.batchSize());
            p.put("patch_embedding", r.patchEmbeddingAsLinear() ? "regmean" : "average");
        } else if (m instanceof AdaMergingMethod a) {
            p.putAll(a.values(cfg.adaMerging()));
        } else if (m instanceof AdaRankMethod r) {
            p.putAll(r.values(cfg.adaMerging()));
        } else if (!(m instanceof DataDrivenMethod)) {
            if (m instanceof SearchMethod && cfg.searchBudget() > 0) {
                p.put("budget", (long) cfg.searchBudget());
            }
            if (declares(m, "lambda")) {
                p.put("lambda", cfg.lambda());
            }
            if (declares(m, "density")) {
                p.put("density", cfg.tiesDensity());
            }
        }
        return p;
    }
}
