package io.adamerge.merge;

import java.util.List;

/**
 * What every merge method declares, whatever it computes from: its name, parameters and inputs. Two kinds, both
 * listed by the one {@link MergeMethods} registry: {@link MergeMethod}s compute from the weights alone (streamed
 * by the {@link MergeExecutor}); {@link DataDrivenMethod}s also run each model on unlabelled data of its task and
 * are computed by a module with a tensor runtime (the torch module's {@code DataMergeExecutor}).
 */
public sealed interface MergeMethodInfo permits MergeMethod, DataDrivenMethod {
    /** The name used in YAML ({@code merge_method}) and with {@code --method}. */
    String name();

    /** Other accepted names (e.g. mergekit's). */
    default List<String> aliases() {
        return List.of();
    }

    /** One line for {@code --list-methods}. */
    String description();

    /** The parameters it takes, the same declarations for both kinds. */
    List<MergeParameter> parameters();

    /** Whether a pretrained (base) model is needed. */
    default boolean requiresBase() {
        return true;
    }
}
