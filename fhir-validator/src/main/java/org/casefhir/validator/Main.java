package org.casefhir.validator;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.r5.elementmodel.Manager.FhirFormat;
import org.hl7.fhir.r5.model.CanonicalResource;
import org.hl7.fhir.utilities.npm.FilesystemPackageCacheManager;
import org.hl7.fhir.utilities.npm.NpmPackage;
import org.hl7.fhir.utilities.validation.ValidationMessage;
import org.hl7.fhir.validation.ValidationEngine;
import org.hl7.fhir.validation.ValidatorUtils;

/**
 * Validates FHIR R4 JSON files with the official HL7 validator library, offline.
 *
 * <pre>
 *   java -Duser.home=CACHEHOME -jar casefhir-fhir-validator.jar
 *        [--cache-package FILE.tgz]... [--ig FILE.tgz|FILE.json]... [--] FILE...
 * </pre>
 *
 * The validator's package cache lives under user.home/.fhir/packages (the library builds its own
 * cache manager from user.home, so the launcher points user.home at a folder of its own). R4 core
 * is put into that cache from HAPI's definitions ({@link R4CorePackage}); each --cache-package
 * .tgz is put there too (packages the library itself asks the cache for, such as
 * hl7.fhir.xver-extensions). Each --ig .tgz is loaded into the validation context in the order
 * given, without its dependencies (they would be fetched from the registry); an --ig .json (a
 * resource, or a Bundle of them: casefhir's terminology Bundle) has its CodeSystems, ValueSets,
 * NamingSystems and other canonical resources put there too ({@link JsonDefinitions}). No
 * terminology server; UCUM codes are checked with the library's UCUM essence ({@link UcumCheck}).
 *
 * stdout: one JSON object per issue ({@link IssueLines}); stderr: progress and figures.
 * Exit codes: 0 no error or fatal issue; 1 at least one; 2 usage error; 4 internal error.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    PrintStream stdout = System.out;
    // the library logs to System.out here and there: keep stdout for the issue lines alone
    System.setOut(System.err);
    int code;
    try {
      code = run(args, stdout);
    } catch (UsageException e) {
      System.err.println("hl7validate: " + e.getMessage());
      code = 2;
    } catch (OutOfMemoryError e) {
      System.err.println("hl7validate: out of memory (" + e.getMessage()
          + "); give the JVM more heap: HL7_JAVA_OPTS=-Xmx1g or more");
      code = 4;
    } catch (Exception e) {
      System.err.println("hl7validate: internal error: " + e);
      e.printStackTrace(System.err);
      code = 4;
    }
    stdout.flush();
    System.exit(code);
  }

  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  private static int run(String[] args, PrintStream stdout) throws Exception {
    List<File> cachePackages = new ArrayList<>();
    List<File> igs = new ArrayList<>();
    List<File> files = new ArrayList<>();
    Map<File, List<CanonicalResource>> definitions = new HashMap<>();
    boolean optionsDone = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!optionsDone && (a.equals("--cache-package") || a.equals("--ig"))) {
        if (i + 1 >= args.length) {
          throw new UsageException(a + (a.equals("--ig") ? " needs a .tgz or .json file" : " needs a .tgz file"));
        }
        File f = existing(args[++i], a);
        (a.equals("--ig") ? igs : cachePackages).add(f);
        if (a.equals("--ig") && f.getName().endsWith(".json")) {
          definitions.put(f, JsonDefinitions.read(f));
        }
      } else if (!optionsDone && a.equals("--")) {
        optionsDone = true;
      } else if (!optionsDone && a.startsWith("-")) {
        throw new UsageException("unknown option " + a);
      } else {
        files.add(existing(a, "file"));
      }
    }
    if (files.isEmpty()) {
      throw new UsageException("no file to validate");
    }

    long t0 = System.nanoTime();
    FilesystemPackageCacheManager pcm = new FilesystemPackageCacheManager.Builder().build();
    if (pcm.loadPackageFromCacheOnly(R4CorePackage.ID, R4CorePackage.VERSION) == null) {
      System.err.println("hl7validate: putting " + R4CorePackage.ID + "#" + R4CorePackage.VERSION
          + " (from hapi-fhir-validation-resources-r4) into the package cache");
      try (InputStream in = R4CorePackage.buildStream()) {
        pcm.addPackageToCache(R4CorePackage.ID, R4CorePackage.VERSION, in, "hapi-fhir-validation-resources-r4");
      }
    }
    for (File f : cachePackages) {
      NpmPackage npm = readPackage(f);
      if (pcm.loadPackageFromCacheOnly(npm.name(), npm.version()) == null) {
        try (InputStream in = new FileInputStream(f)) {
          pcm.addPackageToCache(npm.name(), npm.version(), in, f.getPath());
        }
      }
    }

    ValidationEngine engine = new ValidationEngine.ValidationEngineBuilder()
        .withVersion(R4CorePackage.VERSION)
        .withNoTerminologyServer()
        .withCanRunWithoutTerminologyServer(true)
        .fromSource(R4CorePackage.ID + "#" + R4CorePackage.VERSION);
    // what validator_cli's `-tx n/a` does: without it the context learns there is no server only
    // at its first code-system lookup, and a CodeableConcept checked before that dies on a null
    // server ("tc is null", Terminology_TX_Error_CodeableConcept) instead of being skipped
    engine.getContext().setCanRunWithoutTerminology(true);
    engine.getContext().setNoTerminologyServer(true);
    for (File f : igs) {
      if (f.getName().endsWith(".json")) {
        int count = JsonDefinitions.load(engine.getContext(), definitions.get(f));
        System.err.println("hl7validate: loaded " + f.getPath() + " (" + count + " resources)");
        continue;
      }
      NpmPackage npm = readPackage(f);
      int count = engine.getContext().loadFromPackage(npm, ValidatorUtils.loaderForVersion(npm.fhirVersion()));
      System.err.println("hl7validate: loaded " + npm.name() + "#" + npm.version() + " (" + count + " resources)");
    }
    engine.prepare();
    System.err.printf("hl7validate: validator ready in %.1f s%n", (System.nanoTime() - t0) / 1e9);

    UcumCheck ucum = engine.getContext().getUcumService() == null ? null
        : new UcumCheck(engine.getContext().getUcumService());
    boolean anyError = false;
    for (File f : files) {
      long t1 = System.nanoTime();
      byte[] content = Files.readAllBytes(f.toPath());
      List<ValidationMessage> messages = new ArrayList<>();
      engine.validate(content, FhirFormat.JSON, List.of(), messages);
      if (ucum != null) {
        messages = ucum.apply(messages);
      }
      IssueLines lines = new IssueLines(f.getPath(), new String(content, StandardCharsets.UTF_8));
      for (ValidationMessage m : messages) {
        stdout.println(lines.line(m));
        anyError |= m.getLevel() == ValidationMessage.IssueSeverity.ERROR
            || m.getLevel() == ValidationMessage.IssueSeverity.FATAL;
      }
      System.err.printf("hl7validate: %s: %d issues in %.1f s%n", f.getPath(), messages.size(),
          (System.nanoTime() - t1) / 1e9);
    }
    return anyError ? 1 : 0;
  }

  private static File existing(String path, String what) throws UsageException {
    File f = new File(path);
    if (!f.isFile()) {
      throw new UsageException(what + ": no such file: " + path);
    }
    return f;
  }

  private static NpmPackage readPackage(File f) throws IOException {
    try (InputStream in = new FileInputStream(f)) {
      return NpmPackage.fromPackage(in, f.getPath());
    }
  }
}
