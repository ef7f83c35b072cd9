package io.adamerge.merge;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A parameter a merge method declares: its name (as written in YAML and in {@code --param name=value}),
 * type, scope, default (null: required), range for numbers, allowed words for choices.
 */
public record MergeParameter(String name, ParameterType type, ParameterScope scope, Object defaultValue,
                             Double min, Double max, List<String> choices, String description) {

    public MergeParameter {
        choices = choices == null ? List.of() : List.copyOf(choices);
    }

    public static MergeParameter number(String name, ParameterScope scope, Double defaultValue, Double min, Double max,
                                        String description) {
        return new MergeParameter(name, ParameterType.NUMBER, scope, defaultValue, min, max, List.of(), description);
    }

    public static MergeParameter integer(String name, ParameterScope scope, Long defaultValue, String description) {
        return new MergeParameter(name, ParameterType.INTEGER, scope, defaultValue, null, null, List.of(), description);
    }

    /** A whole number within [min, max] (a bound may be null: open). */
    public static MergeParameter integer(String name, ParameterScope scope, Long defaultValue, Long min, Long max,
                                         String description) {
        return new MergeParameter(name, ParameterType.INTEGER, scope, defaultValue,
                min == null ? null : min.doubleValue(), max == null ? null : max.doubleValue(), List.of(), description);
    }

    public static MergeParameter choice(String name, String defaultValue, List<String> choices, String description) {
        return new MergeParameter(name, ParameterType.CHOICE, ParameterScope.GLOBAL, defaultValue, null, null, choices,
                description);
    }

    public static MergeParameter flag(String name, boolean defaultValue, String description) {
        return new MergeParameter(name, ParameterType.BOOLEAN, ParameterScope.GLOBAL, defaultValue, null, null,
                List.of(), description);
    }

    /** A required per-model checkpoint (auxiliary input). */
    public static MergeParameter checkpoint(String name, String description) {
        return new MergeParameter(name, ParameterType.CHECKPOINT, ParameterScope.PER_MODEL, null, null, null,
                List.of(), description);
    }

    public boolean required() {
        return defaultValue == null;
    }

    /**
     * Converts a value from YAML or the command line (String, Number or Boolean) to this parameter's type
     * and checks its range.
     *
     * @param where what the message should name, e.g. "model 2" or "parameters"
     */
    public Object parse(Object raw, String where) {
        String at = "parameter '" + name + "' (" + where + ")";
        if (raw == null) {
            throw new MergeConfigException(at + ": no value");
        }
        if (raw instanceof List || raw instanceof java.util.Map) {
            throw new MergeConfigException(at + ": expected a single " + type.name().toLowerCase(Locale.ROOT)
                    + ", got " + raw + " (per-tensor gradients and filters are not supported)");
        }
        String text = raw.toString().trim();
        return switch (type) {
            case NUMBER -> {
                double v;
                try {
                    v = raw instanceof Number n ? n.doubleValue() : Double.parseDouble(text);
                } catch (NumberFormatException e) {
                    throw new MergeConfigException(at + ": '" + text + "' is not a number");
                }
                if (!Double.isFinite(v)) {
                    throw new MergeConfigException(at + ": " + text + " is not finite");
                }
                if ((min != null && v < min) || (max != null && v > max)) {
                    throw new MergeConfigException(at + ": " + text + " is outside [" + (min == null ? "-inf" : min)
                            + ", " + (max == null ? "inf" : max) + "]");
                }
                yield v;
            }
            case INTEGER -> {
                long v;
                try {
                    v = raw instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) ? n.longValue()
                            : Long.parseLong(text);
                } catch (NumberFormatException e) {
                    throw new MergeConfigException(at + ": '" + text + "' is not a whole number");
                }
                if ((min != null && v < min) || (max != null && v > max)) {
                    throw new MergeConfigException(at + ": " + text + " is outside [" + (min == null ? "-inf" : min.longValue())
                            + ", " + (max == null ? "inf" : max.longValue()) + "]");
                }
                yield v;
            }
            case BOOLEAN -> {
                if (raw instanceof Boolean b) {
                    yield b;
                }
                if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
                    yield Boolean.parseBoolean(text);
                }
                throw new MergeConfigException(at + ": '" + text + "' is not true or false");
            }
            case CHOICE -> {
                String v = text.toLowerCase(Locale.ROOT).replace('-', '_');
                for (String c : choices) {
                    if (c.replace('-', '_').equals(v)) {
                        yield c;
                    }
                }
                throw new MergeConfigException(at + ": '" + text + "' is not one of " + choices);
            }
            case CHECKPOINT -> Path.of(text);
        };
    }
}
