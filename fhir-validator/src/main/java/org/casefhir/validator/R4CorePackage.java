package org.casefhir.validator;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.hl7.fhir.r4.formats.JsonParser;
import org.hl7.fhir.r4.formats.XmlParser;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;

/**
 * The FHIR R4 (4.0.1) core definitions as an npm package (hl7.fhir.r4.core#4.0.1), built from the
 * XML bundles that HAPI ships in hapi-fhir-validation-resources-r4. The package registry that
 * serves hl7.fhir.r4.core cannot be reached from here and the npm registry does not carry it, so
 * the validator's package cache gets this one instead: same resources, repackaged.
 */
final class R4CorePackage {
  static final String ID = "hl7.fhir.r4.core";
  static final String VERSION = "4.0.1";

  /** Classpath resources of hapi-fhir-validation-resources-r4 holding the core conformance resources. */
  private static final List<String> BUNDLES = List.of(
      "org/hl7/fhir/r4/model/profile/profiles-types.xml",
      "org/hl7/fhir/r4/model/profile/profiles-resources.xml",
      "org/hl7/fhir/r4/model/profile/profiles-others.xml",
      "org/hl7/fhir/r4/model/extension/extension-definitions.xml",
      "org/hl7/fhir/r4/model/valueset/valuesets.xml",
      "org/hl7/fhir/r4/model/valueset/v2-tables.xml",
      "org/hl7/fhir/r4/model/valueset/v3-codesystems.xml");

  private R4CorePackage() {}

  /** The package as .tgz bytes (package/package.json plus one JSON file per resource). */
  static byte[] build() throws IOException {
    ByteArrayOutputStream tgz = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(tgz))) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      add(tar, "package/package.json", packageJson().getBytes(StandardCharsets.UTF_8));
      JsonParser json = new JsonParser();
      java.util.Set<String> seen = new java.util.HashSet<>();
      for (String name : BUNDLES) {
        try (InputStream in = R4CorePackage.class.getClassLoader().getResourceAsStream(name)) {
          if (in == null) {
            throw new IOException("R4 core definitions not on the classpath: " + name
                + " (hapi-fhir-validation-resources-r4 missing?)");
          }
          Bundle bundle = (Bundle) new XmlParser().parse(in);
          for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            Resource resource = entry.getResource();
            if (resource == null || !resource.hasId()) {
              continue;
            }
            String file = "package/" + resource.fhirType() + "-" + resource.getIdPart() + ".json";
            // a resource given in two bundles (a few ValueSets are) is packaged once
            if (seen.add(file)) {
              add(tar, file, json.composeBytes(resource));
            }
          }
        }
      }
    }
    return tgz.toByteArray();
  }

  static InputStream buildStream() throws IOException {
    return new ByteArrayInputStream(build());
  }

  private static String packageJson() {
    return "{\n"
        + "  \"name\": \"" + ID + "\",\n"
        + "  \"version\": \"" + VERSION + "\",\n"
        + "  \"type\": \"Core\",\n"
        + "  \"fhirVersions\": [\"" + VERSION + "\"],\n"
        + "  \"canonical\": \"http://hl7.org/fhir\",\n"
        + "  \"url\": \"http://hl7.org/fhir/R4\",\n"
        + "  \"description\": \"FHIR R4 core definitions repackaged by casefhir from"
        + " hapi-fhir-validation-resources-r4\",\n"
        + "  \"dependencies\": {}\n"
        + "}\n";
  }

  private static void add(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(content.length);
    tar.putArchiveEntry(entry);
    tar.write(content);
    tar.closeArchiveEntry();
  }
}
