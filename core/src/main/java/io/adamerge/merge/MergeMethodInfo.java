package io.adamerge.merge;

import java.util.List;

/**
 * What every merge method declares, whatever it computes from: its name, parameters, what it needs ({@link Needs})
 * and whether it needs a base. Three kinds, all listed by the one {@link MergeMethods} registry:
 * {@link MergeMethod}s compute from the weights alone (streamed by the {@link MergeExecutor}, or in memory by
 * {@link InMemoryMerge}, through the same arithmetic); {@link DataDrivenMethod}s also run each model on unlabelled
 * data of its task; {@link TestTimeMethod}s learn coefficients on unlabelled test inputs. The last three are computed by
 * a module with a tensor runtime (torch). Adding a method is one class and one line in the service file of its kind.
 */
public sealed interface MergeMethodInfo permits MergeMethod, DataDrivenMethod, TestTimeMethod, SearchMethod {
    /** The four kinds of method, in listing order. */
    enum Kind {
        DATA_FREE("data-free"), DATA_DRIVEN("data-driven"), TEST_TIME("test-time"), SEARCH("supervised search");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

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

    /** Which of the four kinds this method is. */
    Kind kind();

    /** What the method needs besides the weights. */
    Needs needs();

    /** Whether each model's classification head is needed too. */
    default boolean needsHeads() {
        return false;
    }
}
