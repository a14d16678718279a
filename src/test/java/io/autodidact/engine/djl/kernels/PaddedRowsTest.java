package io.autodidact.engine.djl.kernels;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Ragged rows into [B, T] libtorch tensors by bulk row copies: padding, offsets, implicit ones, and rows that do not fit. */
class PaddedRowsTest {
    @Test
    void tokenRowsArePaddedOnTheRightWithThePadId() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray a = PaddedRows.ints(m, List.of(new int[] {1, 2, 3}, new int[] {4}, new int[0]), 4, 9);
            assertEquals(new Shape(3, 4), a.getShape());
            assertEquals(DataType.INT32, a.getDataType());
            assertArrayEquals(new int[] {1, 2, 3, 9, 4, 9, 9, 9, 9, 9, 9, 9}, a.toIntArray());
        }
    }

    @Test
    void valueRowsStartAtTheirColumnAndAnEmptyRowWithALengthStandsForOnes() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray a = PaddedRows.floats(m, List.of(new float[] {0.5f, -2f}, new float[0], new float[0]), new int[] {1, 2, 0}, new int[] {2, 3, 0}, 5);
            assertEquals(new Shape(3, 5), a.getShape());
            assertArrayEquals(new float[] {0, 0.5f, -2f, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0}, a.toFloatArray());
        }
    }

    @Test
    void aRowThatDoesNotFitIsRefusedNamingIt() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            var tokens = assertThrows(IllegalArgumentException.class, () -> PaddedRows.ints(m, List.of(new int[] {1, 2, 3}), 2, 0));
            assertTrue(tokens.getMessage().contains("3 tokens"), tokens.getMessage());
            var values = assertThrows(IllegalArgumentException.class,
                    () -> PaddedRows.floats(m, List.of(new float[0], new float[] {1, 2}), new int[] {0, 3}, new int[] {0, 2}, 4));
            assertTrue(values.getMessage().startsWith("row 1: 2 values from column 3"), values.getMessage());
        }
    }
}
