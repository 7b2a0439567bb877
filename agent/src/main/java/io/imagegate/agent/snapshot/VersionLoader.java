package io.imagegate.agent.snapshot;

import io.imagegate.agent.image.ImageVersion;
import io.imagegate.agent.remote.ObjectHead;
import java.io.IOException;

/** Describes a version just published (its manifest, or its plain layout) so the export can read it. */
@FunctionalInterface
public interface VersionLoader {
    ImageVersion load(ImageVersion base, ObjectHead published) throws IOException;
}
