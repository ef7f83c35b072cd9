package io.adamerge.merge.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adamerge.data.DataException;
import io.adamerge.model.HiddenAct;
import io.adamerge.model.VitConfig;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskImagesTest {
    private static final VitConfig TINY = new VitConfig(4, 2, 3, 8, 1, 2, 16, 0, 1e-5, HiddenAct.QUICK_GELU);

    @TempDir
    Path tmp;

    private static void png(Path file, int rgb) throws IOException {
        BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    @Test
    void aFlatFolderAndAnImageFolderAreReadInNameOrderAsPixelsInTheUnitInterval() throws IOException {
        png(tmp.resolve("flat/b.png"), 0x00FF00);
        png(tmp.resolve("flat/a.png"), 0xFF0000);
        TaskImages flat = TaskImages.load(tmp.resolve("flat"), TINY);
        assertThat(flat.count()).isEqualTo(2);
        assertThat(flat.channels()).isEqualTo(3);
        // a.png (red) first: channel 0 is 1, channel 1 is 0; then b.png (green): channel 1 is 1
        assertThat(flat.pixels()[0]).isEqualTo(1f);
        assertThat(flat.pixels()[16]).isEqualTo(0f);
        assertThat(flat.pixels()[48 + 16]).isEqualTo(1f);

        png(tmp.resolve("classes/cat/1.png"), 0x0000FF);
        png(tmp.resolve("classes/dog/1.png"), 0xFFFFFF);
        png(tmp.resolve("classes/dog/2.png"), 0x000000);
        TaskImages nested = TaskImages.load(tmp.resolve("classes"), TINY);
        assertThat(nested.count()).isEqualTo(3);
        assertThat(nested.pixels()[32]).isEqualTo(1f);
    }

    @Test
    void safetensorsOfTheWrongShapeOrWithoutPixelsAreRejectedByName() {
        Path images = Fixture.DIR.resolve("ada_images_0.safetensors");
        assertThatThrownBy(() -> TaskImages.load(images, TINY)).isInstanceOf(DataException.class)
                .hasMessageContaining("ada_images_0.safetensors").hasMessageContaining("3x32x32").hasMessageContaining("3x4x4");
        assertThatThrownBy(() -> TaskImages.load(Fixture.DIR.resolve("ada_head_0.safetensors"), TINY))
                .isInstanceOf(DataException.class).hasMessageContaining("pixel_values");
        assertThatThrownBy(() -> TaskImages.load(tmp.resolve("missing"), TINY)).isInstanceOf(DataException.class)
                .hasMessageContaining("missing");
    }
}
