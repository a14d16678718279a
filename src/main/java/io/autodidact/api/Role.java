package io.autodidact.api;

/** What a token may do: viewers read, operators also submit and control runs. */
public enum Role {
    VIEWER, OPERATOR;

    public boolean allows(Role needed) {
        return this == OPERATOR || needed == VIEWER;
    }
}
