package io.adamerge.merge;

import java.util.List;
import java.util.Optional;

/**
 * One data-free merge method: it declares its parameters and computes merged tensors from chunks of the inputs.
 * Reading, validation, streaming and writing are the {@link MergeExecutor}'s; a method only does arithmetic
 * (and may ask for pre-passes over the inputs to gather statistics, see {@link MergeRun}).
 * Methods are found through {@link java.util.ServiceLoader}: adding one is adding a class and naming it in
 * {@code META-INF/services/io.adamerge.merge.MergeMethod}.
 */
public non-sealed interface MergeMethod extends MergeMethodInfo {
    /** Whether a pretrained (base) model is needed; methods without one get {@code chunk.base() == null}. */
    @Override
    default boolean requiresBase() {
        return true;
    }

    @Override
    default Kind kind() {
        return Kind.DATA_FREE;
    }

    @Override
    default Needs needs() {
        return Needs.NOTHING;
    }

    /**
     * Whether output element i depends on element i of the inputs only (given the pre-pass statistics).
     * Then large tensors are streamed in chunks; otherwise each call of {@link MergeRun#merge} gets whole tensors.
     */
    default boolean elementwise() {
        return true;
    }

    /** Starts one merge; the returned run holds its state (pre-pass statistics). */
    MergeRun prepare(MergeSetup setup);

    /**
     * The declared parameter s that scales the merged task vector: the merge is θ_pre + s·D element by element, with D
     * independent of s (every per-model value of s set to the same s), and {@link #prepare} returns a
     * {@link ScalableRun}. Empty for methods where no parameter acts so (the default).
     */
    default Optional<String> scaleParameter() {
        return Optional.empty();
    }

    /**
     * Named configurations of this method ({@link MethodVariant}: this method with some parameter values set), listed
     * and accepted wherever a method name is; none by default.
     */
    default List<MethodVariant> variants() {
        return List.of();
    }
}
