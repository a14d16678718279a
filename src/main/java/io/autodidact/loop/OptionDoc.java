package io.autodidact.loop;

/** One documented option of a recipe or task, as the API and docs list it. */
public record OptionDoc(String name, String type, Object defaultValue, String meaning) {}
