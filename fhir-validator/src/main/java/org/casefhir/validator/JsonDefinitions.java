package org.casefhir.validator;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import org.hl7.fhir.convertors.factory.VersionConvertorFactory_40_50;
import org.hl7.fhir.r4.formats.JsonParser;
import org.hl7.fhir.r5.context.SimpleWorkerContext;
import org.hl7.fhir.r5.model.Bundle;
import org.hl7.fhir.r5.model.CanonicalResource;
import org.hl7.fhir.r5.model.Resource;

/**
 * Conformance and terminology resources from an R4 JSON file (one resource, or a Bundle of them,
 * such as `casefhir terminology --bundle`), put into the validation context beside the IG
 * packages: a receiver's validator then knows casefhir's CodeSystems and NamingSystems.
 */
final class JsonDefinitions {
  private JsonDefinitions() {}

  /**
   * The file's canonical resources (CodeSystem, ValueSet, NamingSystem, ...) as R5, read before
   * the (slow) context is built, so a bad file is told at once.
   */
  static List<CanonicalResource> read(File file) throws IOException, Main.UsageException {
    org.hl7.fhir.r4.model.Resource r4;
    try (InputStream in = new FileInputStream(file)) {
      r4 = new JsonParser().parse(in);
    } catch (IOException | RuntimeException e) {
      throw new Main.UsageException("--ig " + file.getPath() + ": not an R4 JSON resource: " + e.getMessage());
    }
    Resource r5 = VersionConvertorFactory_40_50.convertResource(r4);
    List<CanonicalResource> found = new ArrayList<>();
    if (r5 instanceof Bundle bundle) {
      for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
        add(found, entry.getResource(), file);
      }
    } else {
      add(found, r5, file);
    }
    if (found.isEmpty()) {
      throw new Main.UsageException("--ig " + file.getPath() + ": no conformance or terminology resource in it");
    }
    return found;
  }

  /** Puts the resources into the validation context; their count. */
  static int load(SimpleWorkerContext context, List<CanonicalResource> resources) {
    for (CanonicalResource resource : resources) {
      context.cacheResource(resource);
    }
    return resources.size();
  }

  private static void add(List<CanonicalResource> found, Resource resource, File file) throws Main.UsageException {
    if (!(resource instanceof CanonicalResource c)) {
      return;
    }
    if (!c.hasUrl() && !"NamingSystem".equals(c.fhirType())) {
      throw new Main.UsageException("--ig " + file.getPath() + ": " + c.fhirType() + "/" + c.getIdPart() + " has no url");
    }
    found.add(c);
  }
}
