/**
 * CLIP vision transformers on DJL's PyTorch engine, written functionally: a forward pass takes a map
 * from weight name to {@link ai.djl.ndarray.NDArray}, so merged weights that depend on learnable
 * coefficients can be passed in and gradients flow back to the coefficients.
 *
 * <p>The canonical weight names are those of Hugging Face {@code CLIPVisionModelWithProjection}
 * ({@link io.adamerge.model.ClipKeys}); open_clip's {@code visual.*} layout is converted to them with
 * differentiable operations ({@link io.adamerge.model.OpenClipLayout}).
 */
package io.adamerge.model;
