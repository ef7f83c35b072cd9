package io.adamerge.merge.search;

import io.adamerge.adamerging.Granularity;
import io.adamerge.adamerging.TaskVectorTransform;
import io.adamerge.adamerging.TiesTrim;
import java.io.Serializable;

/**
 * What scores a search's candidates, as serialisable values: the pool, the merge the coefficients parameterise, and the
 * validation examples each candidate is scored on. Equal jobs score every point identically.
 *
 * @param source          where the pool is loaded from (null: only the caller's own pool can score it)
 * @param granularity     one coefficient per task, or per task and parameter tensor
 * @param tiesDensity     the Ties trim's density for a search over Ties' task vectors; 0: raw task vectors (Task Arithmetic)
 * @param validationLimit validation examples per task (0: the whole split)
 */
public record SearchJob(SearchPoolSource source, Granularity granularity, double tiesDensity, int validationLimit) implements Serializable {
    public SearchJob {
        if (granularity == null) {
            throw new IllegalArgumentException("a search job needs a granularity");
        }
        if (!(tiesDensity == 0 || tiesDensity > 0 && tiesDensity <= 1)) {
            throw new IllegalArgumentException("Ties density must be 0 (no trim) or in (0, 1], got " + tiesDensity);
        }
        if (validationLimit < 0) {
            throw new IllegalArgumentException("validation examples must be >= 0 (0: all)");
        }
    }

    public TaskVectorTransform transform() {
        return tiesDensity == 0 ? TaskVectorTransform.NONE : new TiesTrim(tiesDensity);
    }
}
