/**
 * Test-time methods as a composition of parts: a differentiable {@link io.adamerge.adamerging.CoefficientMerge}
 * (granularity task or layer, a {@link io.adamerge.adamerging.TaskVectorTransform} such as
 * {@link io.adamerge.adamerging.TiesTrim}), an {@link io.adamerge.adamerging.Objective}
 * ({@link io.adamerge.adamerging.EntropyObjective}), an {@link io.adamerge.adamerging.Optimizer}
 * ({@link io.adamerge.adamerging.PyTorchAdam}), and a {@link io.adamerge.adamerging.CoefficientTrainer} that runs
 * them on unlabelled {@link io.adamerge.model.Examples} of each task, telling
 * {@link io.adamerge.adamerging.TrainerListener}s (progress, {@link io.adamerge.adamerging.SaveCoefficients},
 * {@link io.adamerge.adamerging.NonFiniteStop}) about every step. {@link io.adamerge.adamerging.AdaMerging} is one
 * composition, and its four variants are presets of {@link io.adamerge.adamerging.AdaMergingConfig}. Nothing here
 * names a model family: the model is an {@link io.adamerge.model.Encoder}.
 */
package io.adamerge.adamerging;
