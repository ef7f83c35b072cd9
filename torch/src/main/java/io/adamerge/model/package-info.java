/**
 * Model families on DJL's PyTorch engine, written functionally: a forward pass takes a map from weight name to
 * {@link ai.djl.ndarray.NDArray}, so merged weights that depend on learnable coefficients can be passed in and
 * gradients flow back to the coefficients.
 *
 * <p>The family-agnostic part, all that the methods above this package use: {@link io.adamerge.model.ModelFamily}
 * (found through {@link io.adamerge.model.ModelFamilies}), {@link io.adamerge.model.Encoder} (one model as
 * {@code (weights, batch) → embeddings}), {@link io.adamerge.model.WeightLayout}, {@link io.adamerge.model.ModelConfig},
 * inputs ({@link io.adamerge.model.Batch}: {@link io.adamerge.model.PixelBatch}, {@link io.adamerge.model.bert.TokenBatch};
 * {@link io.adamerge.model.Examples}) and heads ({@link io.adamerge.model.ClassificationHead}).
 *
 * <p>The first family is the CLIP vision transformer ({@link io.adamerge.model.ClipVisionFamily},
 * {@link io.adamerge.model.ClipVisionModel}). Its canonical weight names are those of Hugging Face
 * {@code CLIPVisionModelWithProjection} ({@link io.adamerge.model.ClipKeys}); open_clip's {@code visual.*} layout
 * ({@link io.adamerge.model.OpenClipLayout}) is a table of renames, splits and transposes that
 * {@link io.adamerge.model.ClipLayout} converts with differentiable operations. The second is the BERT sentence
 * encoder ({@link io.adamerge.model.bert.BertFamily}).
 */
package io.adamerge.model;
