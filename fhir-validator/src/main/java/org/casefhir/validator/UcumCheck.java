package org.casefhir.validator;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.fhir.ucum.UcumService;
import org.hl7.fhir.utilities.validation.ValidationMessage;

/**
 * UCUM codes checked for real, offline. The library loads the UCUM essence (ucum-essence.xml,
 * from the org.fhir:ucum jar) into its context, but with no terminology server it does not use
 * it for codes: InstanceValidator.checkCode puts http://unitsofmeasure.org among the systems it
 * skips ("NO_TX_SYSTEM_EXEMPT", one warning
 * Error_validating_code_running_without_terminology_services per code). Each such warning for
 * UCUM is replaced here by the answer of that same UcumService: nothing when the code is a valid
 * UCUM expression, an error {@value #INVALID} naming the problem when it is not.
 *
 * Not checked: whether a valid unit is in the ValueSet a profile binds (UNKNOWN_CODESYSTEM for
 * UCUM stays: the library's ValueSet check needs a UCUM CodeSystem, which is a grammar, not a
 * list).
 */
final class UcumCheck {
  static final String SKIPPED = "Error_validating_code_running_without_terminology_services";
  static final String INVALID = "casefhir_UCUM_Code_Invalid";
  private static final String UCUM = "http://unitsofmeasure.org";
  // the library's English text of SKIPPED: Unable to validate code ''{0}'' in system ''{1}'' ...
  private static final Pattern SKIPPED_TEXT =
      Pattern.compile("^Unable to validate code '(.*)' in system '" + Pattern.quote(UCUM) + "' ");

  private final UcumService ucum;

  UcumCheck(UcumService ucum) {
    this.ucum = ucum;
  }

  /** The messages with each skipped UCUM code checked (others unchanged, same order). */
  List<ValidationMessage> apply(List<ValidationMessage> messages) {
    List<ValidationMessage> out = new ArrayList<>(messages.size());
    for (ValidationMessage m : messages) {
      Matcher code = SKIPPED.equals(m.getMessageId()) && m.getMessage() != null
          ? SKIPPED_TEXT.matcher(m.getMessage()) : null;
      if (code == null || !code.find()) {
        out.add(m);
        continue;
      }
      String problem = ucum.validate(code.group(1));
      if (problem != null) {
        ValidationMessage invalid = new ValidationMessage(m.getSource(),
            ValidationMessage.IssueType.CODEINVALID, m.getLine(), m.getCol(), m.getLocation(),
            "The UCUM code '" + code.group(1) + "' is not valid: " + problem
                + " (checked with the UCUM essence of org.fhir:ucum)",
            ValidationMessage.IssueSeverity.ERROR);
        invalid.setMessageId(INVALID);
        out.add(invalid);
      }
    }
    return out;
  }
}
