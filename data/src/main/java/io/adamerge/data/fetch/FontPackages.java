package io.adamerge.data.fetch;

import java.util.List;

/**
 * The Debian font packages glyph tasks are rendered from. Chosen for many distinct designs per megabyte:
 * fonts-aenigma alone brings 465 display faces, the rest add text, handwriting, monospace and decorative
 * families (together 39.5 MB of packages, 1,082 loadable font files, 715 families, 612 designs).
 */
final class FontPackages {
    private FontPackages() {
    }

    static final List<String> LATIN = List.of(
            "fonts-aenigma", "fonts-urw-base35", "fonts-dustin", "fonts-liberation", "fonts-croscore",
            "fonts-crosextra-caladea", "fonts-crosextra-carlito", "fonts-freefont-ttf", "fonts-comic-neue",
            "fonts-humor-sans", "fonts-dkg-handwriting", "fonts-sjfonts", "fonts-femkeklaver", "fonts-breip",
            "fonts-staypuft", "fonts-tomsontalks", "fonts-cabinsketch", "fonts-beteckna", "fonts-blankenburg",
            "fonts-rufscript", "fonts-leckerli-one", "fonts-lobster", "fonts-lobstertwo", "fonts-kaushanscript",
            "fonts-dancingscript", "fonts-cherrybomb", "fonts-averia-gwf", "fonts-oldstandard", "fonts-ebgaramond",
            "fonts-cantarell", "fonts-open-sans", "fonts-go", "fonts-hack-ttf", "fonts-inconsolata",
            "fonts-quattrocento", "fonts-cabin", "fonts-play", "fonts-dosis", "fonts-league-spartan",
            "fonts-junction", "fonts-goudybookletter", "fonts-century-catalogue", "fonts-levien-museum",
            "fonts-levien-typoscript", "fonts-prociono", "fonts-radisnoir", "fonts-engadget", "fonts-f500",
            "fonts-creep2", "fonts-gnutypewriter", "fonts-tuffy", "fonts-yanone-kaffeesatz", "fonts-arapey",
            "fonts-fanwood", "fonts-lindenhill", "fonts-tiresias", "fonts-b612", "fonts-ubuntu-title",
            "fonts-allerta", "fonts-campania", "fonts-ocr-b", "fonts-arkpandora", "fonts-mononoki",
            "fonts-anonymous-pro", "fonts-gfs-didot", "fonts-gfs-baskerville", "fonts-bebas-neue",
            "fonts-eurofurence", "fonts-povray", "fonts-roadgeek", "fonts-essays1743", "fonts-georgewilliams",
            "fonts-gotico-antiqua", "fonts-libfinal", "fonts-joscelyn", "fonts-oxygen", "fonts-apropal",
            "fonts-gamaliel", "fonts-triod-postnaja", "fonts-monofur", "fonts-agave", "fonts-summersby",
            "fonts-ecolier-court", "fonts-ecolier-lignes-court", "fonts-opendin", "fonts-manrope", "fonts-karla",
            "fonts-cardo", "fonts-stix", "fonts-clear-sans", "fonts-quicksand", "fonts-adf-accanthis",
            "fonts-adf-romande", "fonts-adf-switzera", "fonts-adf-mekanus", "fonts-adf-verana", "fonts-adf-oldania",
            "fonts-adf-irianis", "fonts-adf-berenis", "fonts-adf-libris", "fonts-adf-ikarius",
            "fonts-adf-baskervald", "fonts-adf-solothurn", "fonts-adf-universalis", "fonts-adf-gillius",
            "fonts-adf-tribun");

    static final List<String> KANA = List.of(
            "fonts-sawarabi-mincho", "fonts-sawarabi-gothic", "fonts-motoya-l-cedar", "fonts-motoya-l-maruberi",
            "fonts-aoyagi-kouzan-t", "fonts-aoyagi-soseki", "fonts-mmcedar", "fonts-mona", "fonts-monapo",
            "fonts-komatuna", "fonts-umeplus", "fonts-konatu", "fonts-vlgothic", "fonts-ipaexfont-gothic",
            "fonts-ipaexfont-mincho", "fonts-dotgothic16", "fonts-seto", "fonts-kiloji", "fonts-yusei-magic",
            "fonts-kouzan-mouhitsu");
}
