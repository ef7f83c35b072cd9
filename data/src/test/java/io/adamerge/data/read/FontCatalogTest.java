package io.adamerge.data.read;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FontCatalogTest {
    @Test
    void stylesSizesAndClonesShareTheirDesignKey() {
        assertThat(FontCatalog.designKey("EB Garamond 08")).isEqualTo(FontCatalog.designKey("EB Garamond 12"));
        assertThat(FontCatalog.designKey("Liberation Sans Narrow")).isEqualTo("liberation sans");
        assertThat(FontCatalog.designKey("Arimo")).isEqualTo("liberation sans");
        assertThat(FontCatalog.designKey("FreeSerif")).isEqualTo(FontCatalog.designKey("Nimbus Roman"));
        assertThat(FontCatalog.designKey("Open Sans Light")).isEqualTo("open sans");
        assertThat(FontCatalog.designKey("Bold")).isEqualTo("bold"); // a name made only of style words stays itself
        assertThat(FontCatalog.designKey("Cantarell")).isNotEqualTo(FontCatalog.designKey("Caladea"));
    }
}
