package dev.casefhir.fhirserver;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Turns the {@code casefhir.db} property into {@code spring.datasource.url} (and the matching
 * Hibernate dialect) unless {@code spring.datasource.url} was given explicitly.
 *
 * <ul>
 *   <li>{@code casefhir.db=mem} (default): in-memory H2, gone when the process ends.</li>
 *   <li>{@code casefhir.db=file:/some/dir}: on-disk H2; the files live in that directory
 *       ({@code /some/dir/casefhir.mv.db}); the directory is created if missing.</li>
 *   <li>{@code spring.datasource.url=jdbc:postgresql://...} (plus username/password): PostgreSQL;
 *       the dialect is switched to {@code HapiFhirPostgresDialect} automatically.</li>
 * </ul>
 */
public class DatabaseEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	static final String DB_PROPERTY = "casefhir.db";
	private static final String URL = "spring.datasource.url";
	private static final String DIALECT = "spring.jpa.properties.hibernate.dialect";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment env, SpringApplication application) {
		Map<String, Object> props = new LinkedHashMap<>();
		String url = env.getProperty(URL);
		if (url == null || url.isBlank()) {
			String db = env.getProperty(DB_PROPERTY, "mem").trim();
			if (db.isEmpty() || db.equals("mem") || db.startsWith("mem:")) {
				String name = db.startsWith("mem:") ? db.substring(4) : "casefhir";
				url = "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1";
			} else {
				String dir = db.startsWith("file:") ? db.substring(5) : db;
				Path path = Path.of(dir).toAbsolutePath().normalize();
				url = "jdbc:h2:file:" + path.resolve("casefhir") + ";DB_CLOSE_ON_EXIT=FALSE";
			}
			props.put(URL, url);
			props.put("spring.datasource.username", "sa");
			props.put("spring.datasource.password", "");
			props.put("spring.datasource.driver-class-name", "org.h2.Driver");
		}
		if (env.getProperty(DIALECT) == null) {
			props.put(
					DIALECT,
					url.startsWith("jdbc:postgresql:")
							? "ca.uhn.fhir.jpa.model.dialect.HapiFhirPostgresDialect"
							: "ca.uhn.fhir.jpa.model.dialect.HapiFhirH2Dialect");
		}
		if (!props.isEmpty()) {
			// addFirst is safe: only keys that were not set anywhere are put here
			env.getPropertySources().addFirst(new MapPropertySource("casefhirDatabase", props));
		}
	}

	@Override
	public int getOrder() {
		// after ConfigDataEnvironmentPostProcessor, so application.properties is already visible
		return Ordered.LOWEST_PRECEDENCE;
	}
}
